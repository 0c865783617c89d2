"""Inputs stay inside the input folder: a link or a path that leads out of it is refused with
the reason, for every reader, and nothing from outside reaches the site (issue 33: a link
``000_leak.txt -> /some/other/place.txt`` was published)."""

from __future__ import annotations

import json

from PIL import Image

from builder.build import build
from tests.conftest import make_project

SECRET = "سر من خارج المجلد لا ينشر أبداً"
BODY = "قال مسؤولون إن الاجتماع ناقش خطط العام المقبل وأولويات الإنفاق في القطاعات الرئيسية."


def story(headline: str) -> str:
    return f"{headline}\n\nتصغير\nتكبير\n\n{BODY}\n"


def test_links_and_paths_out_of_the_input_folder_are_refused_for_every_reader(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "place.txt").write_text(story(SECRET), encoding="utf-8")
    (outside / "page.html").write_text(
        '<!doctype html><html lang="ar"><head><meta charset="utf-8">'
        f'<meta property="og:title" content="{SECRET}"></head>'
        f"<body><article><h1>{SECRET}</h1><p>{BODY}</p></article></body></html>",
        encoding="utf-8",
    )
    (outside / "records.json").write_text(
        json.dumps({"id": "leak-json", "title": SECRET, "body": BODY}, ensure_ascii=False),
        encoding="utf-8",
    )
    (outside / "meta.toml").write_text(f'section = "{SECRET}"\n', encoding="utf-8")
    Image.new("RGB", (400, 300), "red").save(outside / "photo.jpg")

    drops = tmp_path / "input"
    (drops / ".store").mkdir(parents=True)
    (drops / "001_good.txt").write_text(story("خبر من داخل المجلد"), encoding="utf-8")
    (drops / "000_leak.txt").symlink_to(outside / "place.txt")
    (drops / "002_leak.html").symlink_to(outside / "page.html")
    (drops / "003_leak.json").symlink_to(outside / "records.json")
    (drops / "004_sidecar.txt").write_text(story("خبر بملف بيانات مرتبط"), encoding="utf-8")
    (drops / "004_sidecar.toml").symlink_to(outside / "meta.toml")
    (drops / "005_photo.txt").write_text(story("خبر بصورة مرتبطة"), encoding="utf-8")
    (drops / "005_photo.toml").write_text('image = "photo.jpg"\n', encoding="utf-8")
    (drops / "photo.jpg").symlink_to(outside / "photo.jpg")
    (drops / "006_dots.txt").write_text(story("خبر بمسار صورة خارج المجلد"), encoding="utf-8")
    (drops / "006_dots.toml").write_text('image = "../elsewhere/photo.jpg"\n', encoding="utf-8")
    (drops / "007_record.json").write_text(
        json.dumps(
            {
                "id": "rec-dots",
                "title": "سجل بمسار صورة",
                "body": BODY,
                "image": "../elsewhere/photo.jpg",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (drops / "008_page.html").write_text(
        '<!doctype html><html lang="ar"><head><meta charset="utf-8">'
        '<meta property="og:title" content="صفحة بصورة خارج المجلد">'
        '<meta property="og:image" content="../elsewhere/photo.jpg"></head>'
        f"<body><article><h1>صفحة بصورة خارج المجلد</h1><p>{BODY}</p></article></body></html>",
        encoding="utf-8",
    )
    # a link that stays inside the folder is an input like any other
    (drops / ".store" / "kept.txt").write_text(story("خبر عبر رابط داخلي"), encoding="utf-8")
    (drops / "009_inside.txt").symlink_to(drops / ".store" / "kept.txt")

    report = build(make_project(tmp_path, drops))
    rejected = {s.rsplit("/", 1)[-1]: r for s, r in report.rejected}
    link = "a symbolic link to {}, outside the input folder: refused"
    assert rejected.pop("000_leak.txt") == link.format(outside / "place.txt")
    assert rejected.pop("002_leak.html") == link.format(outside / "page.html")
    assert rejected.pop("003_leak.json") == link.format(outside / "records.json")
    assert rejected.pop("004_sidecar.txt") == "its sidecar 004_sidecar.toml is " + link.format(
        outside / "meta.toml"
    )
    assert "'image' 'photo.jpg' points outside the input folder" in rejected.pop("005_photo.txt")
    assert "points outside the input folder" in rejected.pop("006_dots.txt")
    assert "points outside the input folder" in rejected.pop("007_record.json:1")
    assert rejected == {}
    # a saved page takes only an http(s) photo URL: its path out of the folder is never read
    assert sorted(s.rsplit("/", 1)[-1] for s, _ in report.built) == [
        "001_good.txt",
        "008_page.html",
        "009_inside.txt",
    ]
    site = tmp_path / "site"
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path
    photos = {".jpg", ".jpeg", ".webp", ".avif"}  # PNG: the logo, share images
    assert not [p for p in site.rglob("*") if p.suffix in photos and "portraits" not in p.parts]
