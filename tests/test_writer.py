"""The writing edge never writes outside the folder it was given, however a path is spelt."""

import pytest

from builder.publish.writer import write_files


@pytest.mark.parametrize(
    "rel",
    ["../escape.md", "articles/../../escape.md", "/tmp/escape.md", "articles/..", "articles/"],
)
def test_a_path_leading_outside_is_refused(tmp_path, rel):
    root = tmp_path / "docs"
    with pytest.raises(ValueError, match="refusing to write outside"):
        write_files(root, {rel: "x"})
    assert not (tmp_path / "escape.md").exists()


def test_a_symlink_inside_is_not_followed_out(tmp_path):
    root, outside = tmp_path / "docs", tmp_path / "outside.md"
    (root / "articles").mkdir(parents=True)
    outside.write_text("kept", encoding="utf-8")
    (root / "articles" / "a.md").symlink_to(outside)
    with pytest.raises(ValueError, match="refusing to write outside"):
        write_files(root, {"articles/a.md": "overwritten"})
    assert outside.read_text(encoding="utf-8") == "kept"
    (root / "folder-link").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="refusing to write outside"):
        write_files(root, {"folder-link/b.md": "x"})
    assert not (tmp_path / "b.md").exists()


def test_text_bytes_and_copies_land_in_their_folders(tmp_path):
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"\xff\xd8jpeg")
    write_files(
        tmp_path / "site",
        {
            "a.md": "نص",
            "media/x/p.png": b"png",
            "media/x/photo.jpg": source,
            "articles/s/index.md": "y",
        },
    )
    assert (tmp_path / "site" / "a.md").read_text(encoding="utf-8") == "نص"
    assert (tmp_path / "site" / "media" / "x" / "p.png").read_bytes() == b"png"
    assert (tmp_path / "site" / "media" / "x" / "photo.jpg").read_bytes() == b"\xff\xd8jpeg"
    assert (tmp_path / "site" / "articles" / "s" / "index.md").read_text(encoding="utf-8") == "y"
