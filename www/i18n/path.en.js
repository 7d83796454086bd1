// The path through lectures 16–18: each step's title and text, keyed `path.<step id>.*`.
export default {
};
