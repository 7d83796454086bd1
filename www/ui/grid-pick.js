// Picking one cell of a grid canvas (data-rows × data-cols digits): the pointer (hover or tap)
// and, with the grid focused, the arrow keys, Home and End. `onPick({row, col})` gets each pick.
const MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };

export function pickCells(canvas, onPick) {
  let picked = null;
  const size = () => ({ rows: Number(canvas.dataset.rows), cols: Number(canvas.dataset.cols) });
  const pick = (cell) => { picked = cell; onPick(cell); };
  const atPointer = (event) => {
    const box = canvas.getBoundingClientRect();
    const { rows, cols } = size();
    const col = Math.min(cols - 1, Math.floor(((event.clientX - box.left) / box.width) * cols));
    const row = Math.min(rows - 1, Math.floor(((event.clientY - box.top) / box.height) * rows));
    if (col >= 0 && row >= 0) pick({ row, col });
  };
  canvas.addEventListener('pointermove', atPointer);
  canvas.addEventListener('pointerdown', atPointer);
  canvas.addEventListener('keydown', (event) => {
    const { rows, cols } = size();
    let next;
    if (MOVES[event.key]) {
      const [dRow, dCol] = MOVES[event.key];
      next = picked
        ? { row: Math.min(rows - 1, Math.max(0, picked.row + dRow)), col: Math.min(cols - 1, Math.max(0, picked.col + dCol)) }
        : { row: 0, col: 0 };
    } else if (event.key === 'Home') next = { row: picked?.row ?? 0, col: 0 };
    else if (event.key === 'End') next = { row: picked?.row ?? 0, col: cols - 1 };
    else return;
    event.preventDefault();
    pick(next);
  });
  return { picked: () => picked };
}
