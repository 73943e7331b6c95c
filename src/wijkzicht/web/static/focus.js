// The focus-area comparison: sorting in the page. Without JavaScript every column heading is a link that
// sorts on the server (?sort=...); with it, the links become buttons that sort the rows in place, set
// aria-sort on the heading and announce the new order. Rows without a value always go last.
const table = document.getElementById("focus-compare");

function cellValue(row, index) {
  const cell = row.querySelector(`[data-col="${index}"]`);
  const text = cell ? cell.dataset.value : "";
  if (text === undefined || text === "") return null;
  const number = Number(text);
  return Number.isNaN(number) ? text : number;
}

function sortRows(key, descending) {
  const headings = [...table.tHead.rows[0].cells];
  const index = headings.findIndex((th) => th.dataset.key === key);
  const body = table.tBodies[0];
  const rows = [...body.rows];
  rows.sort((a, b) => {
    const x = cellValue(a, index);
    const y = cellValue(b, index);
    if (x === null || y === null) {
      if (x === y) return Number(a.dataset.number) - Number(b.dataset.number);
      return x === null ? 1 : -1;
    }
    const order = x < y ? -1 : x > y ? 1 : Number(a.dataset.number) - Number(b.dataset.number);
    return descending ? -order : order;
  });
  body.append(...rows);
  headings.forEach((th) => {
    const mark = th.querySelector(".sort-mark");
    if (th.dataset.key === key) {
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      if (mark) mark.textContent = descending ? " ▼" : " ▲";
    } else {
      th.removeAttribute("aria-sort");
      if (mark) mark.textContent = "";
    }
  });
  const label = headings[index].querySelector("button").firstChild.textContent.trim();
  const direction = descending ? table.dataset.descending : table.dataset.ascending;
  table.querySelector(".sort-status").textContent = table.dataset.sorted
    .replace("{column}", label)
    .replace("{direction}", direction);
  table.dataset.sort = (descending ? "-" : "") + key;
  const url = new URL(window.location.href);
  url.searchParams.set("sort", table.dataset.sort);
  window.history.replaceState(null, "", url);
}

if (table) {
  // Number the cells by column so that a row with a spanning "no score" cell still sorts correctly.
  for (const row of table.tBodies[0].rows) {
    let column = 0;
    for (const cell of row.cells) {
      cell.dataset.col = column;
      column += cell.colSpan || 1;
    }
  }
  for (const th of table.tHead.rows[0].cells) {
    const link = th.querySelector("a.sort-link");
    if (!link) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    button.append(...link.childNodes);
    link.replaceWith(button);
    button.addEventListener("click", () => {
      const current = table.dataset.sort;
      const key = th.dataset.key;
      // A first click on a column sorts it with the most problems (or the highest value) first.
      const descending = current === key ? true : current === "-" + key ? false : key !== "name" && key !== "number";
      sortRows(key, descending);
    });
  }
}
