/* postmortem-kb: sortable columns for tables marked data-pm-sort (team and person pages).
 *
 * Progressive enhancement: without JavaScript a table is complete and in the order the site
 * chose (overdue items first, then by due date). This script turns the title of each header
 * cell that has data-sort-type ("text" or "number") into a button; a button is reached with
 * Tab and pressed with Enter or Space like any other. The first press sorts ascending, the
 * next descending; the header cell says so in aria-sort. A cell sorts by its data-sort
 * attribute when it has one (ISO dates, numbers, ranks), else by its text. Empty values
 * always go last; equal values keep the order the site gave them.
 */
(function () {
  "use strict";

  function key(row, column) {
    var cell = row.cells[column];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort");
    return (value === null ? cell.textContent : value).trim();
  }

  function compare(type) {
    if (type === "number") {
      return function (a, b) { return parseFloat(a) - parseFloat(b); };
    }
    return function (a, b) {
      return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
    };
  }

  function sort(table, header, descending) {
    var body = table.tBodies[0];
    if (!body) return;
    var column = header.cellIndex;
    var order = compare(header.getAttribute("data-sort-type"));
    var rows = Array.prototype.map.call(body.rows, function (row) {
      return { row: row, key: key(row, column), at: Number(row.getAttribute("data-pm-at")) };
    });
    rows.sort(function (a, b) {
      if (!a.key || !b.key) {
        if (a.key !== b.key) return a.key ? -1 : 1; // empty values last, either way
      } else {
        var found = order(a.key, b.key);
        if (found) return descending ? -found : found;
      }
      return a.at - b.at;
    });
    rows.forEach(function (entry) { body.appendChild(entry.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      if (cell === header) {
        cell.setAttribute("aria-sort", descending ? "descending" : "ascending");
      } else {
        cell.removeAttribute("aria-sort");
      }
    });
  }

  function enhance(table) {
    if (table.getAttribute("data-pm-sort") === "ready" || !table.tHead || !table.tBodies[0]) {
      return;
    }
    table.setAttribute("data-pm-sort", "ready");
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row, at) {
      row.setAttribute("data-pm-at", String(at));
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header) {
      if (!header.getAttribute("data-sort-type")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pm-sort";
      while (header.firstChild) button.appendChild(header.firstChild);
      button.title = "Sort by " + button.textContent.trim();
      var icon = document.createElement("span"); // the arrows: not part of the button's name
      icon.className = "pm-sort-icon";
      icon.setAttribute("aria-hidden", "true");
      button.appendChild(icon);
      header.appendChild(button);
      button.addEventListener("click", function () {
        sort(table, header, header.getAttribute("aria-sort") === "ascending");
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-pm-sort]"), enhance);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
