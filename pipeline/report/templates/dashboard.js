/* Dashboard behaviour: sortable + filterable tables, passage filters, drill-down.
   Plain DOM, no network, and data is only ever read/written as text (never innerHTML). */
(function () {
  "use strict";

  var data = {};
  try {
    data = JSON.parse(document.getElementById("dash-data").textContent || "{}");
  } catch (e) {
    data = {};
  }

  function norm(s) {
    return (s || "").normalize("NFKC").toLowerCase();
  }

  /* ---- sortable tables ------------------------------------------------------------- */
  function cellKey(cell) {
    if (!cell) return "";
    var v = cell.getAttribute("data-sort");
    return v !== null ? v : cell.textContent.trim();
  }
  function asNumber(s) {
    if (s === "" || s === "–") return null;
    var t = s.replace(/[,%\s]/g, "");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
    return parseFloat(t);
  }
  var collator = new Intl.Collator("ja", { numeric: true, sensitivity: "base" });
  function compare(a, b) {
    var emptyA = a === "" || a === "–", emptyB = b === "" || b === "–";
    if (emptyA || emptyB) return emptyA === emptyB ? 0 : emptyA ? 1 : -1;
    var na = asNumber(a), nb = asNumber(b);
    if (na !== null && nb !== null) return na - nb;
    return collator.compare(a, b);
  }
  function sortTable(table, col, th) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r, i) {
      return { row: r, key: cellKey(r.cells[col]), i: i };
    });
    rows.sort(function (x, y) {
      var xe = x.key === "" || x.key === "–", ye = y.key === "" || y.key === "–";
      if (xe !== ye) return xe ? 1 : -1; /* blanks last in both directions */
      var c = compare(x.key, y.key);
      if (dir === "descending") c = -c;
      return c || x.i - y.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var btn = th.querySelector("button.sort");
      if (!btn) return;
      btn.setAttribute("aria-label", "Sort by " + th.textContent.trim());
      btn.addEventListener("click", function () { sortTable(table, col, th); });
    });
  });

  /* ---- table filters --------------------------------------------------------------- */
  /* A text box filters rows by their text; an optional "only" checkbox for the same table
     keeps just the rows flagged data-flag="1" (e.g. differences that hold). */
  function filterTable(input) {
    var id = input.getAttribute("data-filter");
    var table = document.getElementById(id);
    if (!table) return;
    var q = norm(input.value.trim());
    var only = document.querySelector('input.only[data-only="' + id + '"]');
    var flagged = !!(only && only.checked);
    var shown = 0, rows = table.tBodies[0] ? table.tBodies[0].rows : [];
    Array.prototype.forEach.call(rows, function (r) {
      var ok = (!q || norm(r.textContent).indexOf(q) !== -1) &&
        (!flagged || r.getAttribute("data-flag") === "1");
      r.hidden = !ok;
      if (ok) shown++;
    });
    var count = document.querySelector('[data-count="' + id + '"]');
    if (count) count.textContent = shown + " of " + rows.length + " rows";
  }
  document.querySelectorAll("input.filter").forEach(function (input) {
    input.addEventListener("input", function () { filterTable(input); });
    filterTable(input);
  });
  document.querySelectorAll("input.only").forEach(function (box) {
    var input = document.querySelector('input.filter[data-filter="' + box.getAttribute("data-only") + '"]');
    if (input) box.addEventListener("change", function () { filterTable(input); });
  });

  /* ---- passages: filters ----------------------------------------------------------- */
  var pf = {
    source: document.getElementById("pf-source"),
    frame: document.getElementById("pf-frame"),
    voice: document.getElementById("pf-voice"),
    text: document.getElementById("pf-text"),
    count: document.getElementById("pf-count")
  };
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group"));

  function voiceOk(li, v) {
    if (!v) return true;
    var voice = li.getAttribute("data-voice"), neg = li.getAttribute("data-negated") === "true";
    if (v === "negated") return neg;
    if (v === "counted") return voice === "author" && !neg;
    return voice === v;
  }
  function applyPassageFilters() {
    if (!pf.source) return;
    var s = pf.source.value, f = pf.frame.value, v = pf.voice.value, q = norm(pf.text.value.trim());
    var active = !!(v || q);
    var total = 0, shown = 0, groupsShown = 0;
    groups.forEach(function (g) {
      var inGroup = (!s || g.getAttribute("data-si") === s) && (!f || g.getAttribute("data-fj") === f);
      var visible = 0;
      g.querySelectorAll("li.passage").forEach(function (li) {
        total++;
        var ok = inGroup && voiceOk(li, v) && (!q || norm(li.textContent).indexOf(q) !== -1);
        li.hidden = !ok;
        if (ok) visible++;
      });
      shown += visible;
      g.hidden = visible === 0;
      if (visible) groupsShown++;
      if (active && visible) g.open = true;
    });
    if (pf.count) {
      var what = [];
      if (s && data.sources && data.sources[+s] !== undefined) what.push(data.sources[+s]);
      if (f && data.frames && data.frames[+f]) what.push(data.frames[+f].label);
      pf.count.textContent = shown + " of " + total + " passages in " + groupsShown + " groups" +
        (what.length ? " (" + what.join(" × ") + ")" : "");
    }
  }
  if (pf.source) {
    [pf.source, pf.frame, pf.voice].forEach(function (el) {
      el.addEventListener("change", applyPassageFilters);
    });
    pf.text.addEventListener("input", applyPassageFilters);
    document.getElementById("pf-reset").addEventListener("click", function () {
      resetPassageFilters();
      applyPassageFilters();
    });
    document.getElementById("pf-open").addEventListener("click", function () {
      groups.forEach(function (g) { if (!g.hidden) g.open = true; });
    });
    document.getElementById("pf-close").addEventListener("click", function () {
      groups.forEach(function (g) { g.open = false; });
    });
    applyPassageFilters();
  }
  function resetPassageFilters() {
    if (!pf.source) return;
    pf.source.value = "";
    pf.frame.value = "";
    pf.voice.value = "";
    pf.text.value = "";
  }

  /* ---- drill-down: comparison cell → its passages ---------------------------------- */
  function openCell(id, scroll) {
    var g = document.getElementById(id);
    if (!g || !g.classList.contains("group")) return false;
    resetPassageFilters();
    if (pf.source) {
      pf.source.value = g.getAttribute("data-si");
      pf.frame.value = g.getAttribute("data-fj");
      applyPassageFilters();
    }
    g.hidden = false;
    g.open = true;
    g.classList.add("flash");
    window.setTimeout(function () { g.classList.remove("flash"); }, 1500);
    if (scroll) g.scrollIntoView({ block: "start" });
    var summary = g.querySelector("summary");
    if (summary) summary.focus({ preventScroll: true });
    return true;
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a.drill") : null;
    if (!a) return;
    var id = a.getAttribute("data-target");
    if (id && openCell(id, true)) {
      ev.preventDefault();
      if (history.replaceState) history.replaceState(null, "", "#" + id);
    }
  });
  /* ---- stance matrix cell → its evidence ------------------------------------------ */
  function openEvidence(id) {
    var d = document.getElementById(id);
    if (!d || !d.classList.contains("stance-evidence")) return false;
    for (var up = d; up; up = up.parentElement ? up.parentElement.closest("details") : null) {
      up.open = true;
    }
    d.classList.add("flash");
    window.setTimeout(function () { d.classList.remove("flash"); }, 1500);
    d.scrollIntoView({ block: "start" });
    return true;
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a.ev") : null;
    if (!a) return;
    var id = a.getAttribute("data-ev");
    if (id && openEvidence(id)) {
      ev.preventDefault();
      if (history.replaceState) history.replaceState(null, "", "#" + id);
    }
  });
  if (location.hash && /^#ev-\d+-\d+$/.test(location.hash)) {
    openEvidence(location.hash.slice(1));
  }
  if (location.hash && /^#cell-\d+-\d+$/.test(location.hash)) {
    openCell(location.hash.slice(1), true);
  }
})();
