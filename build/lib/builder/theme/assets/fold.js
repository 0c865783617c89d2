// Search folding: the mirror of builder/core/fold.py (the rules are documented there).
// The index holds folded text; the query is folded the same way before Pagefind sees it.
// tests/test_fold.py runs this file with node and checks it agrees with the Python function.

const MAP = new Map([
  ["\u0622", "\u0627"], ["\u0623", "\u0627"], ["\u0625", "\u0627"], ["\u0671", "\u0627"],
  ["\u0672", "\u0627"], ["\u0673", "\u0627"],
  ["\u0629", "\u0647"],
  ["\u0649", "\u064a"], ["\u06cc", "\u064a"],
  ["\u06a9", "\u0643"],
]);
for (let d = 0; d < 10; d++) {
  MAP.set(String.fromCharCode(0x0660 + d), String(d));
  MAP.set(String.fromCharCode(0x06f0 + d), String(d));
}
const MAPPED = new RegExp("[" + [...MAP.keys()].join("") + "]", "g");
const REMOVE = /[\u0640\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed]+/g;

export function fold(text) {
  return text.normalize("NFKC").replace(MAPPED, (c) => MAP.get(c)).replace(REMOVE, "");
}
