// "Select the whole page" for tables of checkboxes: <input type="checkbox" data-select-all="ids">
// ticks every checkbox named "ids" of the same form. Without JavaScript the box stays hidden
// and each row is ticked on its own (or the whole group, server-side).
document.querySelectorAll("input[data-select-all]").forEach((master) => {
  const name = master.dataset.selectAll;
  const form = master.getAttribute("form");
  const boxes = () =>
    document.querySelectorAll(`input[type=checkbox][name="${name}"][form="${form}"]:not(:disabled)`);
  master.hidden = false;
  master.addEventListener("change", () => boxes().forEach((box) => { box.checked = master.checked; }));
});
