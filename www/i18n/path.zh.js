// 课程路径：每一步的标题和说明，键为 `path.<step id>.*`。
export default {
};
