// Search in the offline bundle, from file:// with no server: no fetch, no XHR, no worker, no
// module (Chromium refuses all of them from file://). The index (builder/offline/index.py) is
// cut into small classic scripts; each calls __offlineSearch(kind, key, data) when it runs, and
// this file adds the <script> tags for the shards a query needs. The query is folded by
// offline-fold.js (made from assets/fold.js, the mirror of builder/core/fold.py) and split into
// words the way the index was. Article text is untrusted: it is shown with textContent only.
(function () {
  "use strict";
  var PAGE_SIZE = 20;
  var section = document.getElementById("search");
  var form = section.querySelector("form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var indexDir = section.dataset.index;
  var rootDir = section.dataset.root;
  var fold = window.OfflineFold;
  var WORD = /[\p{L}\p{N}]+/gu;

  var store = { m: null, t: new Map(), d: new Map() };
  var loads = new Map(); // file -> Promise
  var current = 0; // the latest search; answers to older ones are dropped

  window.__offlineSearch = function (kind, key, data) {
    if (kind === "m") store.m = data;
    else if (kind === "t") store.t.set(key, data);
    else if (kind === "d") store.d.set(Number(key), data);
  };

  function load(file) {
    if (!loads.has(file)) {
      loads.set(file, new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = indexDir + file;
        script.onload = function () { resolve(); };
        script.onerror = function () { reject(new Error("cannot load " + file)); };
        document.head.appendChild(script);
      }));
    }
    return loads.get(file);
  }

  function shardFile(key) {
    return "t-" + Array.from(key, function (c) { return c.codePointAt(0).toString(16); }).join("-") + ".js";
  }

  function words(query) {
    var found = fold(query).toLowerCase().match(WORD) || [];
    return found.filter(function (w, i) { return found.indexOf(w) === i; });
  }

  // A word of two letters or more matches every term starting with it; a one-letter word only
  // itself (else it would load every shard under that letter).
  function matches(word, term) {
    return word.length >= 2 ? term.startsWith(word) : term === word;
  }

  function shardsFor(word) {
    return store.m.terms.filter(function (key) {
      return word.startsWith(key) || (word.length >= 2 && key.startsWith(word));
    });
  }

  function decode(postings, into) {
    var number = 0;
    postings.split(",").forEach(function (code) {
      var value = parseInt(code, 36);
      number += Math.floor(value / 3);
      var field = value % 3;
      var best = into.get(number);
      if (best === undefined || field < best) into.set(number, field);
    });
  }

  // Map article number -> best field (0 headline, 1 deck, 2 body) for one query word.
  async function lookup(word) {
    var keys = shardsFor(word);
    await Promise.all(keys.map(function (key) { return load(shardFile(key)); }));
    var hits = new Map();
    keys.forEach(function (key) {
      var shard = store.t.get(key) || {};
      Object.keys(shard).forEach(function (term) {
        if (matches(word, term)) decode(shard[term], hits);
      });
    });
    return hits;
  }

  // Every word must match (AND); headline matches first, then deck, then body; newest first
  // (articles are numbered newest first).
  async function search(query) {
    await load("manifest.js");
    var ws = words(query);
    if (!ws.length) return [];
    var perWord = await Promise.all(ws.map(lookup));
    perWord.sort(function (a, b) { return a.size - b.size; });
    var ranked = [];
    perWord[0].forEach(function (field, number) {
      var counts = [0, 0, 0];
      for (var i = 0; i < perWord.length; i++) {
        var f = perWord[i].get(number);
        if (f === undefined) return;
        counts[f] += 1;
      }
      ranked.push({ number: number, counts: counts });
    });
    ranked.sort(function (a, b) {
      return b.counts[0] - a.counts[0] || b.counts[1] - a.counts[1] || a.number - b.number;
    });
    return ranked.map(function (r) { return r.number; });
  }

  async function rows(numbers) {
    var chunk = store.m.chunk;
    var chunks = Array.from(new Set(numbers.map(function (n) { return Math.floor(n / chunk); })));
    await Promise.all(chunks.map(function (c) { return load("d-" + c + ".js"); }));
    return numbers.map(function (n) { return store.d.get(Math.floor(n / chunk))[n % chunk]; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function card(row) {
    var item = el("li", "search-result");
    var heading = el("h2");
    var link = el("a", null, row[1]);
    link.setAttribute("href", rootDir + row[0]);
    heading.appendChild(link);
    item.appendChild(heading);
    if (row[2]) item.appendChild(el("p", "deck", row[2]));
    if (row[3]) {
      var meta = el("p", "meta");
      var time = el("time", null, row[3]);
      if (row[4]) time.setAttribute("datetime", row[4]);
      meta.appendChild(time);
      item.appendChild(meta);
    }
    return item;
  }

  async function run(query) {
    var ticket = ++current;
    list.replaceChildren();
    var old = section.querySelector(".search-more");
    if (old) old.remove();
    if (!words(query).length) { // nothing searchable: said so, as the hosted search does (a blank box says nothing)
      var asked = query.trim();
      status.textContent = asked ? "لا نتائج للبحث عن «" + asked + "»." : "";
      section.dataset.state = asked ? "done" : "idle";
      return;
    }
    section.dataset.state = "busy";
    status.textContent = "جارٍ البحث…";
    var started = performance.now();
    var numbers;
    try {
      numbers = await search(query);
    } catch (error) {
      if (ticket === current) {
        status.textContent = "تعذّر تحميل فهرس البحث.";
        section.dataset.state = "failed";
      }
      return;
    }
    if (ticket !== current) return;
    var shown = 0;
    var more = el("button", "search-more", "نتائج أخرى");
    more.type = "button";
    async function page() {
      var batch = await rows(numbers.slice(shown, shown + PAGE_SIZE));
      if (ticket !== current) return false;
      batch.forEach(function (row) { list.appendChild(card(row)); });
      shown += batch.length;
      if (shown < numbers.length) list.after(more);
      else more.remove();
      return true;
    }
    more.addEventListener("click", page);
    if (!(await page())) return;
    status.textContent = numbers.length ? "نتائج البحث عن «" + query + "»: " + numbers.length : "لا نتائج للبحث عن «" + query + "».";
    section.dataset.ms = String(Math.round(performance.now() - started)); // the benchmark reads this
    section.dataset.state = "done"; // tests wait for this
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    try {
      var url = new URL(location.href);
      url.searchParams.set("q", query);
      history.replaceState(null, "", url);
    } catch (error) {
      // some browsers refuse history changes on file:// pages; the search still runs
    }
    run(query);
  });

  var initial = new URLSearchParams(location.search).get("q") || "";
  input.value = initial;
  if (initial) run(initial);
})();
