/* postmortem-kb: filters for the archive page (postmortems/).
 *
 * The page is the full listing, newest first, and stays so without JavaScript. This script
 * adds a text filter and facets (service, cause, severity, status, year) over archive.json,
 * built with the site. The text filter reads every word of a postmortem (title, metadata,
 * action items and body) from a compact index (archive/terms.py) and matches the beginnings
 * of words: "expir" finds "expired" and "expiry". Values of one facet add up (union);
 * facets and words narrow down (intersection).
 *
 * Filters live in the URL so a view can be shared: ?text=expiry&service=checkout&service=
 * payments-api&year=2026. The parameter names never collide with those of Material's search
 * (q opens it, h highlights). Rows of the results are clones of the page's own rows; values
 * from the data are only ever written with textContent, never as HTML.
 */
(function () {
  "use strict";

  var TEXT = "text";
  var FACETS = [
    { key: "service", label: "Service", field: "services", labels: "services" },
    { key: "cause", label: "Cause", field: "causes", labels: "causes" },
    { key: "severity", label: "Severity", field: "severity" },
    { key: "status", label: "Status", field: "status" },
    { key: "year", label: "Year", field: "year" }
  ];
  var STATUSES = [["draft", "Draft"], ["in-review", "In review"], ["published", "Published"]];
  var WORD = /[\p{L}\p{N}]+/gu; // as TOKEN in archive/terms.py, which keeps 2 characters or more
  var uid = 0;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function normalise(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  /* The words of a postmortem, as archive.json stores them: sorted terms, and for each the
   * positions of the postmortems that have it (gaps in base 36; "!" for those that lack it). */
  function Words(data, count) {
    this.terms = data && data.terms ? data.terms.split(" ") : [];
    this.postings = data && data.postings ? data.postings.split(" ") : [];
    this.count = count;
    this.decoded = {};
  }

  Words.prototype.holders = function (index) {
    if (this.decoded[index]) return this.decoded[index];
    var encoded = this.postings[index] || "";
    var negated = encoded.charAt(0) === "!";
    var positions = [];
    var previous = -1;
    (negated ? encoded.slice(1) : encoded).split(".").forEach(function (gap) {
      if (!gap) return;
      previous += parseInt(gap, 36) + 1;
      positions.push(previous);
    });
    if (negated) {
      var lacking = {};
      positions.forEach(function (position) { lacking[position] = true; });
      positions = [];
      for (var p = 0; p < this.count; p++) if (!lacking[p]) positions.push(p);
    }
    this.decoded[index] = positions;
    return positions;
  };

  /* Marks (1) the postmortems with a word that begins with ``prefix``. */
  Words.prototype.beginning = function (prefix) {
    var marks = new Uint8Array(this.count);
    var terms = this.terms;
    var low = 0;
    var high = terms.length;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (terms[middle] < prefix) low = middle + 1;
      else high = middle;
    }
    for (var i = low; i < terms.length && terms[i].lastIndexOf(prefix, 0) === 0; i++) {
      this.holders(i).forEach(function (position) { marks[position] = 1; });
    }
    return marks;
  };

  /* Which postmortems the text matches: each word must begin a word of the postmortem.
   * Finished words that archive.json never holds (stop words, one character, two digits)
   * are left out; the word being typed is always a beginning. */
  function textMatcher(words, stopWords) {
    var cache = { text: null, marks: null };
    return function (text) {
      if (cache.text === text) return cache.marks;
      var normal = normalise(text);
      var tokens = normal.match(WORD) || [];
      var typing = /[\p{L}\p{N}]$/u.test(normal);
      var marks = null;
      tokens.forEach(function (token, position) {
        var finished = !typing || position < tokens.length - 1;
        if (finished && (token.length < 2 || stopWords[token] || /^[0-9]{2}$/.test(token))) return;
        var found = words.beginning(token);
        if (!marks) { marks = found; return; }
        for (var i = 0; i < marks.length; i++) marks[i] = marks[i] && found[i];
      });
      cache = { text: text, marks: marks };
      return marks; // null: no word to match, every postmortem passes
    };
  }

  function valuesOf(record, facet) {
    var value = record[facet.field];
    return Array.isArray(value) ? value : [String(value)];
  }

  function options(data, facet) {
    var labels = facet.labels ? data.labels[facet.labels] || {} : {};
    if (facet.key === "status") return STATUSES.map(function (pair) { return { value: pair[0], label: pair[1] }; });
    var seen = {};
    if (facet.key === "severity") data.severities.forEach(function (value) { seen[value] = true; });
    data.postmortems.forEach(function (record) {
      valuesOf(record, facet).forEach(function (value) { seen[value] = true; });
    });
    var list = Object.keys(seen).map(function (value) { return { value: value, label: labels[value] || value }; });
    if (facet.key === "severity") {
      var order = data.severities;
      list.sort(function (a, b) {
        var i = order.indexOf(a.value), j = order.indexOf(b.value);
        return (i < 0 ? order.length : i) - (j < 0 ? order.length : j) || (a.value < b.value ? -1 : 1);
      });
    } else if (facet.key === "year") {
      list.sort(function (a, b) { return a.value < b.value ? 1 : -1; });
    } else {
      list.sort(function (a, b) { return a.label.localeCompare(b.label); });
    }
    return list;
  }

  function setup(root, data, source) {
    if (!data || !data.postmortems || !data.postmortems.length) return;
    var listing = document.getElementById("pm-archive-static");
    var rows = {};
    var head = null;
    if (listing) {
      Array.prototype.forEach.call(listing.querySelectorAll("tbody tr"), function (row) {
        var link = row.querySelector("td:nth-child(2) a");
        if (link) rows[new URL(link.getAttribute("href"), location.href).pathname] = row;
      });
      head = listing.querySelector("thead");
    }
    var stopWords = {};
    (data.stop_words || "").split(" ").forEach(function (word) { if (word) stopWords[word] = true; });
    var matchText = textMatcher(new Words(data.words, data.postmortems.length), stopWords);
    var id = "pm-filter-" + (++uid);

    var form = element("form", { role: "search", "aria-label": "Filter postmortems", "class": "pm-filter-form" });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var textBox = element("div", { "class": "pm-filter-text" });
    textBox.appendChild(element("label", { "for": id + "-text" }, "Words"));
    var input = element("input", {
      id: id + "-text", name: TEXT, type: "search", autocomplete: "off", spellcheck: "false",
      placeholder: "e.g. certificate expir", "aria-describedby": id + "-hint"
    });
    textBox.appendChild(input);
    textBox.appendChild(element("small", { id: id + "-hint", "class": "pm-filter-hint" },
      "Titles, services, causes, people, action items and the text of each postmortem. " +
      "Words match their beginnings: \u201cexpir\u201d finds expired and expiry."));
    form.appendChild(textBox);

    var facetBox = element("div", { "class": "pm-facets" });
    var facets = FACETS.map(function (facet) {
      // A disclosure button and its panel of checkboxes: Tab and Space work as anywhere, and
      // Escape closes the panel. The checkboxes carry the URL's parameter names.
      var box = element("div", { "class": "pm-facet", "data-facet": facet.key });
      var panelId = id + "-" + facet.key;
      var button = element("button", {
        type: "button", "class": "pm-facet-button", "aria-expanded": "false", "aria-controls": panelId
      });
      var chosen = element("span", { "class": "pm-facet-chosen" });
      button.appendChild(element("span", {}, facet.label));
      button.appendChild(chosen);
      box.appendChild(button);
      var panel = element("fieldset", { id: panelId, "class": "pm-facet-panel", hidden: "" });
      panel.appendChild(element("legend", {}, facet.label));
      var boxes = options(data, facet).map(function (option) {
        var label = element("label", { "class": "pm-facet-option" });
        var checkbox = element("input", { type: "checkbox", name: facet.key, value: option.value });
        // The count is for the eye; the live region says what a choice gives.
        var count = element("span", { "class": "pm-facet-count", "aria-hidden": "true" });
        label.appendChild(checkbox);
        label.appendChild(element("span", { "class": "pm-facet-label" }, option.label));
        label.appendChild(count);
        panel.appendChild(label);
        return { box: checkbox, option: option, count: count, label: label };
      });
      box.appendChild(panel);
      facetBox.appendChild(box);
      var entry = { facet: facet, root: box, button: button, panel: panel, chosen: chosen, boxes: boxes };
      button.addEventListener("click", function () { show(entry, panel.hidden); });
      box.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && !panel.hidden) {
          event.preventDefault();
          event.stopPropagation();
          show(entry, false);
          button.focus();
        }
      });
      return entry;
    });

    function show(entry, open) {
      facets.forEach(function (other) {
        var now = other === entry && open;
        other.panel.hidden = !now;
        other.button.setAttribute("aria-expanded", now ? "true" : "false");
        if (now) {
          // Keep the panel inside a narrow screen: shift it left when it would overflow.
          other.panel.style.left = "";
          var box = other.panel.getBoundingClientRect();
          var over = box.right - document.documentElement.clientWidth + 8;
          if (over > 0) other.panel.style.left = -Math.min(over, Math.max(box.left - 8, 0)) + "px";
        }
      });
    }

    form.appendChild(facetBox);
    var clear = element("button", { type: "button", "class": "md-button pm-filter-clear" }, "Clear all");
    form.appendChild(clear);

    var chips = element("div", { "class": "pm-filter-chips", role: "group", "aria-label": "Active filters" });
    var count = element("p", { "class": "pm-filter-count", role: "status", "aria-live": "polite" });
    var results = element("div", { id: "pm-filter-results", hidden: "" });
    var empty = element("p", { "class": "pm-filter-empty", hidden: "" }, "No postmortem matches these filters.");
    var table = element("table", {});
    table.appendChild(element("caption", { "class": "pm-sr-only" }, "Postmortems that match the filters"));
    if (head) table.appendChild(head.cloneNode(true));
    var body = table.appendChild(element("tbody", {}));
    var shown = data.postmortems.map(function (record) {
      var row = rows[new URL(record.url, source).pathname];
      return row ? body.appendChild(row.cloneNode(true)) : null;
    });
    var wrap = element("div", { "class": "md-typeset__scrollwrap" });
    wrap.appendChild(element("div", { "class": "md-typeset__table" })).appendChild(table);
    results.appendChild(empty);
    results.appendChild(wrap);
    root.textContent = "";
    root.appendChild(form);
    root.appendChild(chips);
    root.appendChild(count);
    root.appendChild(results);
    root.hidden = false;

    function readState() {
      var state = { text: input.value.trim() };
      facets.forEach(function (f) {
        state[f.facet.key] = f.boxes.filter(function (b) { return b.box.checked; })
          .map(function (b) { return b.option.value; });
      });
      return state;
    }

    function active(state) {
      return Boolean(state.text) || facets.some(function (f) { return state[f.facet.key].length; });
    }

    function writeUrl(state) {
      var params = new URLSearchParams();
      if (state.text) params.append(TEXT, state.text);
      facets.forEach(function (f) {
        state[f.facet.key].forEach(function (value) { params.append(f.facet.key, value); });
      });
      var query = params.toString();
      history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }

    function chip(f, b) {
      var button = element("button", {
        type: "button", "class": "pm-chip",
        "aria-label": "Remove " + f.facet.label.toLowerCase() + " " + b.option.label
      });
      button.appendChild(element("span", { "class": "pm-chip-facet" }, f.facet.label + ": "));
      button.appendChild(document.createTextNode(b.option.label));
      button.appendChild(element("span", { "class": "pm-chip-remove", "aria-hidden": "true" }, " \u00d7"));
      button.addEventListener("click", function () {
        var at = Array.prototype.indexOf.call(chips.children, button);
        b.box.checked = false;
        apply(true);
        var left = chips.children;
        (left[Math.min(at, left.length - 1)] || input).focus();
      });
      return button;
    }

    function apply(updateUrl) {
      var state = readState();
      var textMarks = matchText(state.text);
      var wanted = facets.map(function (f) {
        var set = {};
        state[f.facet.key].forEach(function (value) { set[value] = true; });
        return state[f.facet.key].length ? set : null;
      });
      var tallies = facets.map(function () { return {}; });
      var matched = 0;
      data.postmortems.forEach(function (record, position) {
        var ok = !textMarks || textMarks[position] === 1;
        var failing = -1;
        var fails = ok ? 0 : 2;
        for (var i = 0; i < facets.length && fails < 2; i++) {
          if (!wanted[i]) continue;
          var hit = valuesOf(record, facets[i].facet).some(function (value) { return wanted[i][value]; });
          if (!hit) { fails += 1; failing = i; }
        }
        // A value's count: postmortems it would show, with the other facets as they are.
        facets.forEach(function (f, i) {
          if (fails === 0 || (fails === 1 && failing === i)) {
            valuesOf(record, f.facet).forEach(function (value) {
              tallies[i][value] = (tallies[i][value] || 0) + 1;
            });
          }
        });
        var row = shown[position];
        if (row) row.hidden = fails !== 0;
        if (fails === 0) matched += 1;
      });
      var filtered = active(state);
      chips.textContent = "";
      facets.forEach(function (f, i) {
        var picked = 0;
        f.boxes.forEach(function (b) {
          var n = tallies[i][b.option.value] || 0;
          b.count.textContent = String(n);
          b.label.classList.toggle("pm-facet-none", n === 0 && !b.box.checked);
          if (b.box.checked) {
            picked += 1;
            chips.appendChild(chip(f, b));
          }
        });
        f.chosen.textContent = picked ? " (" + picked + ")" : "";
      });
      chips.hidden = !chips.childNodes.length;
      clear.hidden = !filtered;
      var total = data.postmortems.length;
      count.textContent = filtered
        ? matched + " of " + total + " postmortems match."
        : total + " postmortems.";
      results.hidden = !filtered;
      empty.hidden = matched !== 0;
      wrap.hidden = matched === 0;
      if (listing) listing.hidden = filtered;
      if (updateUrl) writeUrl(state);
    }

    clear.addEventListener("click", function () {
      input.value = "";
      facets.forEach(function (f) { f.boxes.forEach(function (b) { b.box.checked = false; }); });
      apply(true);
      input.focus();
    });
    input.addEventListener("input", function () { apply(true); });
    facetBox.addEventListener("change", function () { apply(true); });
    // A click elsewhere closes an open facet (pages come and go with instant navigation).
    function closeFacets(event) {
      if (!document.body.contains(root)) {
        document.removeEventListener("click", closeFacets);
        return;
      }
      facets.forEach(function (f) {
        if (!f.panel.hidden && !f.root.contains(event.target)) show(f, false);
      });
    }
    document.addEventListener("click", closeFacets);

    // The state of a shared link; values that no longer exist are ignored.
    var params = new URLSearchParams(location.search);
    input.value = params.get(TEXT) || "";
    facets.forEach(function (f) {
      var values = params.getAll(f.facet.key);
      f.boxes.forEach(function (b) { b.box.checked = values.indexOf(b.option.value) >= 0; });
    });
    apply(false);
  }

  function init() {
    var root = document.getElementById("pm-filter");
    if (!root || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var source = new URL(root.getAttribute("data-source"), location.href).toString();
    fetch(source)
      .then(function (response) { return response.json(); })
      .then(function (data) { setup(root, data, source); })
      .catch(function () { /* keep the full listing */ });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
