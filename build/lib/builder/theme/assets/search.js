// The search page's script: reads ?q=, folds it like the index was folded, asks Pagefind.
// Article text is untrusted: everything shown is set with textContent, never as HTML.
import { fold } from "./fold.js";

const PAGE_SIZE = 20;
const section = document.getElementById("search");
const form = section.querySelector("form");
const input = document.getElementById("search-q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const bundleRoot = new URL(section.dataset.bundle, document.baseURI).href;
const rootPath = new URL(section.dataset.root, document.baseURI).pathname;

let pagefind = null;
let current = 0; // the latest search; answers to older ones are dropped

// The index comes in chunks (one Pagefind bundle per run of months, newest first in
// chunks.json): the newest is loaded, the others merged into it.
async function engine() {
  if (!pagefind) {
    const chunks = await (await fetch(new URL("chunks.json", bundleRoot))).json();
    const first = await import(new URL(`${chunks[0]}/pagefind.js`, bundleRoot).href);
    await first.options({ baseUrl: rootPath });
    // All at once: one after another, each merge waits a round trip (at 20 chunks and 50 ms
    // of latency, 4.8 s to the first results instead of 2.4 s).
    await Promise.all(chunks.slice(1).map((chunk) => first.mergeIndex(new URL(`${chunk}/`, bundleRoot).href, { baseUrl: rootPath })));
    await first.init();
    pagefind = first;
  }
  return pagefind;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function sameSiteHref(url) {
  const target = new URL(url, document.baseURI);
  return target.origin === location.origin ? target.href : null;
}

function card(data) {
  const meta = data.meta || {};
  const item = el("li", "search-result");
  const heading = el("h2");
  const href = sameSiteHref(data.url);
  const link = el(href ? "a" : "span", null, meta.title || data.url);
  if (href) link.href = href;
  heading.append(link);
  item.append(heading);
  const summary = meta.deck || meta.description;
  if (summary) item.append(el("p", "deck", summary));
  if (meta.date) item.append(el("p", "meta", meta.date));
  return item;
}

function showStatus(text) {
  status.textContent = text;
}

async function run(query) {
  const ticket = ++current;
  list.replaceChildren();
  section.querySelector(".search-more")?.remove();
  const folded = fold(query).trim();
  if (!folded) {
    showStatus("");
    section.dataset.state = "idle";
    return;
  }
  section.dataset.state = "busy";
  showStatus("جارٍ البحث…");
  let search;
  try {
    search = await (await engine()).search(folded);
  } catch (error) {
    if (ticket === current) {
      showStatus("تعذّر تحميل فهرس البحث.");
      section.dataset.state = "failed";
    }
    return;
  }
  if (ticket !== current || !search) return;
  const results = search.results;
  let shown = 0;
  const more = el("button", "search-more", "نتائج أخرى");
  more.type = "button";
  async function page() {
    const batch = await Promise.all(results.slice(shown, shown + PAGE_SIZE).map((r) => r.data()));
    if (ticket !== current) return false;
    list.append(...batch.map(card));
    shown += batch.length;
    if (shown < results.length) list.after(more);
    else more.remove();
    return true;
  }
  more.addEventListener("click", page);
  if (!(await page())) return;
  showStatus(results.length ? `نتائج البحث عن «${query}»: ${results.length}` : `لا نتائج للبحث عن «${query}».`);
  section.dataset.state = "done"; // tests wait for this
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value;
  const url = new URL(location.href);
  url.searchParams.set("q", query);
  history.replaceState(null, "", url);
  run(query);
});

const initial = new URLSearchParams(location.search).get("q") || "";
input.value = initial;
if (initial) run(initial);
