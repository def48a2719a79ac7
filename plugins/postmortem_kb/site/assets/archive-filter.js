/* postmortem-kb: client-side filters for the archive page.
 *
 * The archive page is a full static listing; this script adds filters by service, cause,
 * severity, status, year and free text over archive.json, built with the site. Filters live
 * in the URL (?service=checkout&severity=SEV1) so a view can be shared. Values from the data
 * are only ever written with textContent, never as HTML.
 */
(function () {
  "use strict";

  var FIELDS = [
    { key: "service", label: "Service", values: "services", labels: "services" },
    { key: "cause", label: "Cause", values: "causes", labels: "causes" },
    { key: "severity", label: "Severity", values: "severity" },
    { key: "status", label: "Status", values: "status" },
    { key: "year", label: "Year", values: "year" }
  ];

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function valuesOf(record, field) {
    var value = record[field.values];
    return Array.isArray(value) ? value : [String(value)];
  }

  function choices(data, field) {
    if (field.key === "severity") return data.severities;
    if (field.key === "status") return ["draft", "in-review", "published"];
    var seen = {};
    data.postmortems.forEach(function (record) {
      valuesOf(record, field).forEach(function (value) { seen[value] = true; });
    });
    var list = Object.keys(seen).sort();
    return field.key === "year" ? list.reverse() : list;
  }

  function readState(params) {
    var state = { q: params.get("q") || "" };
    FIELDS.forEach(function (field) { state[field.key] = params.get(field.key) || ""; });
    return state;
  }

  function matches(record, state) {
    for (var i = 0; i < FIELDS.length; i++) {
      var field = FIELDS[i];
      if (state[field.key] && valuesOf(record, field).indexOf(state[field.key]) < 0) return false;
    }
    if (state.q) {
      var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
      for (var j = 0; j < words.length; j++) {
        if (record.text.indexOf(words[j]) < 0) return false;
      }
    }
    return true;
  }

  function active(state) {
    return Object.keys(state).some(function (key) { return state[key]; });
  }

  function link(href, text) {
    var anchor = element("a", { href: href }, text);
    return anchor;
  }

  function renderResults(container, data, records) {
    container.textContent = "";
    if (!records.length) {
      container.appendChild(element("p", {}, "No postmortem matches these filters."));
      return;
    }
    var table = element("table");
    var head = element("tr");
    ["Date", "Postmortem", "Severity", "Services", "Causes", "Status"].forEach(function (name) {
      head.appendChild(element("th", {}, name));
    });
    table.appendChild(element("thead")).appendChild(head);
    var body = table.appendChild(element("tbody"));
    records.forEach(function (record) {
      var row = element("tr");
      row.appendChild(element("td", {}, record.date));
      row.appendChild(element("td")).appendChild(link(record.url, record.title));
      var severity = element("span", { "class": "pm-badge pm-severity pm-severity-" + record.severity_class }, record.severity);
      row.appendChild(element("td")).appendChild(severity);
      row.appendChild(element("td", {}, record.services.map(function (id) {
        return data.labels.services[id] || id;
      }).join(", ")));
      row.appendChild(element("td", {}, record.causes.map(function (id) {
        return data.labels.causes[id] || id;
      }).join(", ")));
      row.appendChild(element("td")).appendChild(
        element("span", { "class": "pm-badge pm-status pm-status-" + record.status }, record.status));
      body.appendChild(row);
    });
    var wrap = element("div", { "class": "md-typeset__scrollwrap" });
    wrap.appendChild(element("div", { "class": "md-typeset__table" })).appendChild(table);
    container.appendChild(wrap);
  }

  function setup(root, data) {
    var form = element("form", { role: "search", "aria-label": "Filter postmortems" });
    var controls = {};
    FIELDS.forEach(function (field) {
      var label = element("label", {}, field.label);
      var select = element("select", { name: field.key });
      select.appendChild(element("option", { value: "" }, "All"));
      choices(data, field).forEach(function (value) {
        var text = field.labels ? (data.labels[field.labels][value] || value) : value;
        select.appendChild(element("option", { value: value }, text));
      });
      label.appendChild(select);
      form.appendChild(label);
      controls[field.key] = select;
    });
    var textLabel = element("label", {}, "Text");
    var input = element("input", { name: "q", type: "search", placeholder: "title, service, owner…" });
    textLabel.appendChild(input);
    form.appendChild(textLabel);
    controls.q = input;
    var clear = element("button", { type: "reset", "class": "md-button" }, "Clear");
    form.appendChild(clear);

    var count = element("p", { "class": "pm-filter-count", "aria-live": "polite" });
    var results = element("div", { id: "pm-filter-results" });
    root.appendChild(form);
    root.appendChild(count);
    root.appendChild(results);
    root.hidden = false;
    var listing = document.getElementById("pm-archive-static");

    function apply(pushUrl) {
      var state = {};
      Object.keys(controls).forEach(function (key) { state[key] = controls[key].value.trim(); });
      var filtered = active(state);
      var records = data.postmortems.filter(function (record) { return matches(record, state); });
      count.textContent = filtered
        ? records.length + " of " + data.postmortems.length + " postmortems match."
        : data.postmortems.length + " postmortems.";
      results.hidden = !filtered;
      if (listing) listing.hidden = filtered;
      if (filtered) renderResults(results, data, records);
      if (pushUrl) {
        var params = new URLSearchParams();
        Object.keys(state).forEach(function (key) { if (state[key]) params.set(key, state[key]); });
        var query = params.toString();
        history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
      }
    }

    var initial = readState(new URLSearchParams(location.search));
    Object.keys(controls).forEach(function (key) {
      var control = controls[key];
      if (control.tagName === "SELECT" && initial[key] &&
          !Array.prototype.some.call(control.options, function (o) { return o.value === initial[key]; })) {
        return;  // a value from an old link that no longer exists
      }
      control.value = initial[key] || "";
    });
    form.addEventListener("change", function () { apply(true); });
    form.addEventListener("input", function () { apply(true); });
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(true); });
    form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
    apply(false);
  }

  function init() {
    var root = document.getElementById("pm-filter");
    if (!root || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    fetch(new URL(root.getAttribute("data-source"), location.href).toString())
      .then(function (response) { return response.json(); })
      .then(function (data) { setup(root, data); })
      .catch(function () { /* keep the static listing */ });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
