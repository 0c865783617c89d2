"""`nashra watch` as a newsroom runs it: a real `python -m builder watch` process on a drop folder,
files written into it as a scraper or an editor would, the log and site/ read back. Every wait
is bounded."""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.generate_corpus import generate
from builder.build import build
from tests.conftest import REPO, SAMPLE, make_project
from tests.test_atomic import corpus_copies, site_hash

BUILD = re.compile(
    r"^\S+ build \((?P<trigger>[^)]*)\): built (?P<built>\d+), rejected (?P<rejected>\d+), "
    r"held (?P<held>\d+), in [\d.]+ s: (?P<outcome>published|NOT published)",
    re.M,
)
PARAGRAPHS = [
    "قال مسؤولون إن الاجتماع ناقش خطط العام المقبل وأولويات الإنفاق في القطاعات الرئيسية.",
    "وأضافوا أن اللجان المختصة ستعرض توصياتها على المجلس خلال الأسابيع المقبلة.",
    "وأشار المتحدث إلى أن النتائج الأولية تبعث على التفاؤل رغم التحديات القائمة.",
    "ومن المتوقع أن تصدر القرارات النهائية قبل نهاية الشهر الجاري بحسب المصادر.",
]


def story(headline: str, paragraphs: list[str]) -> str:
    """A raw article as the scraper leaves it (headline, font-size buttons, body)."""
    return f"{headline}\n\nتصغير\nتكبير\n\n" + "\n\n".join(paragraphs) + "\n"


def drop(folder: Path, stem: str, headline: str, published: datetime, slug: str) -> None:
    """An article and its sidecar, each written at once."""
    (folder / f"{stem}.txt").write_text(story(headline, PARAGRAPHS[:2]), encoding="utf-8")
    (folder / f"{stem}.toml").write_text(
        f'published = {published.isoformat()}\nsection = "محليات"\nslug = "{slug}"\n',
        encoding="utf-8",
    )


class Watcher:
    """A `python -m builder watch` process; its stdout is the log read back."""

    def __init__(self, config: Path, *options: str) -> None:
        self.config = config
        self.log_file = config.parent / f"watch-{time.monotonic_ns()}.log"
        self.errors = self.log_file.with_suffix(".err")
        with open(self.log_file, "wb") as out, open(self.errors, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "builder", "watch", "--config", str(config), *options],
                cwd=REPO,
                stdout=out,
                stderr=err,
            )

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8")

    def builds(self) -> list[re.Match[str]]:
        return list(BUILD.finditer(self.log()))

    def wait_for(self, what: str, condition, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"watch ended ({self.process.returncode}) before {what}:\n{self.report()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s:\n{self.report()}")
            time.sleep(0.05)

    def wait_builds(self, n: int, timeout: float = 120.0) -> list[re.Match[str]]:
        self.wait_for(f"{n} build(s)", lambda: len(self.builds()) >= n, timeout)
        return self.builds()

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then the exit status (the loop ends once a build in progress is done)."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def building(self) -> bool:
        """A build is running: the watch holds the project's build lock (read from /proc/locks,
        which takes no lock itself: trying the lock could make the watch's build fail)."""
        lock = self.config.parent / ".build" / "lock"
        try:
            inode = lock.stat().st_ino
            held = Path("/proc/locks").read_text().splitlines()
        except OSError:
            return False
        return any(
            f" {self.process.pid} " in line and line.split()[5].endswith(f":{inode}")
            for line in held
        )

    def report(self) -> str:
        return f"--- log\n{self.log()}--- stderr\n{self.errors.read_text(encoding='utf-8')[-3000:]}"

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A drop folder with the sample articles, built once (each watch then starts warm);
    returns its mkdocs.yml."""
    root = tmp_path_factory.mktemp("watched")
    shutil.copytree(SAMPLE, root / "input")
    config = make_project(root, root / "input")
    assert build(config).published
    return config


def page(config: Path, slug: str) -> Path:
    return config.parent / "site" / "articles" / slug / "index.html"


def test_a_dropped_article_is_published_a_bad_one_reported_and_then_runs(project):
    drops = project.parent / "input"
    then = (
        "test -e then-ran || { touch then-ran; echo 'no route to host' >&2; exit 3; }; "
        "echo deployed >> deployed.txt"
    )
    with Watcher(project, "--quiet-seconds", "0.3", "--then", then) as watch:
        [start] = watch.wait_builds(1)
        assert start["trigger"] == "start" and start["outcome"] == "published"
        # the first --then fails: logged with its last line, and the loop goes on
        watch.wait_for("the failed --then", lambda: "FAILED (exit 3)" in watch.log())
        assert "no route to host" in watch.log()

        drop(
            drops,
            "100_dropped",
            "خبر جديد وصل للتو",
            datetime(2024, 2, 2, 9, tzinfo=UTC),
            "just-in",
        )
        (drops / "101_broken.json").write_text('{"title": "عنوان", "body": ', encoding="utf-8")
        watch.wait_for("the dropped article's page", page(project, "just-in").is_file, 60)
        builds = watch.wait_builds(2)
        assert builds[1]["outcome"] == "published" and builds[1]["rejected"] == "1"
        assert f"  rejected {drops / '101_broken.json'}:1: not valid JSON" in watch.log()
        assert "خبر جديد وصل للتو" in page(project, "just-in").read_text(encoding="utf-8")
        watch.wait_for("the deploy", lambda: (project.parent / "deployed.txt").is_file(), 30)

        # the bad file stays: told once; the next article is still published
        drop(
            drops,
            "102_next",
            "خبر آخر بعد الملف التالف",
            datetime(2024, 2, 3, 9, tzinfo=UTC),
            "next-one",
        )
        watch.wait_for("the next article's page", page(project, "next-one").is_file, 60)
        watch.wait_builds(3)
        assert watch.log().count("rejected /") == 1
        watch.wait_for(
            "the second deploy",
            lambda: (project.parent / "deployed.txt").read_text().count("deployed") == 2,
            30,
        )
        # the report of the latest build is beside the config
        report = json.loads((project.parent / "build-report.json").read_text(encoding="utf-8"))
        assert report["published"] and report["rejected"] == 1
        (drops / "101_broken.json").unlink()  # the other tests' builds reject nothing
        assert watch.stop() == 0
    assert watch.log().rstrip().endswith("stopped")


def test_deploy_follows_each_published_build_in_the_same_process(project, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "builder", "watch", "--config", str(project), "--deploy"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr == f"error: --deploy needs deploy_to in {project}\n"

    root, www = tmp_path / "deployed", tmp_path / "www"
    shutil.copytree(SAMPLE, root / "input")
    config = make_project(root, root / "input", deploy_to=str(www))
    with Watcher(config, "--quiet-seconds", "0.3", "--deploy") as watch:
        watch.wait_for("the first deploy", lambda: "  deployed to " in watch.log(), 300)
        assert (www / "index.html").is_file() and not (www / ".builder-site").exists()
        drop(
            root / "input",
            "100_dropped",
            "خبر جديد يصل إلى القراء",
            datetime(2024, 2, 2, 9, tzinfo=UTC),
            "just-deployed",
        )
        there = www / "articles" / "just-deployed" / "index.html"
        watch.wait_for("the dropped article deployed", there.is_file, 180)
        assert "خبر جديد يصل إلى القراء" in there.read_text(encoding="utf-8")
        assert watch.stop() == 0
    assert re.search(rf"  deployed to {www}: [1-9]\d* file\(s\) sent", watch.log()), watch.log()


def test_temporary_names_start_no_build_and_a_rename_publishes(project):
    drops = project.parent / "input"
    with Watcher(project, "--quiet-seconds", "0.3") as watch:
        watch.wait_builds(1)
        text = story("خبر كتب باسم مؤقت", PARAGRAPHS)
        for name in ("103_tmp.txt.part", "103_tmp.txt.tmp", ".103_tmp.txt", "103_tmp.txt~"):
            (drops / name).write_text(text, encoding="utf-8")
        (drops / ".partial").mkdir()
        (drops / ".partial" / "104_x.txt").write_text(text, encoding="utf-8")
        time.sleep(2)  # ten times the quiet time: no build may follow
        assert len(watch.builds()) == 1, watch.report()
        (drops / "103_tmp.txt.part").rename(drops / "103_tmp.txt")
        watch.wait_builds(2, 60)
        assert page(project, "tmp").is_file()
        for name in ("103_tmp.txt.tmp", ".103_tmp.txt", "103_tmp.txt~"):
            (drops / name).unlink()
        shutil.rmtree(drops / ".partial")
        time.sleep(1.5)
        assert len(watch.builds()) == 2, watch.report()
        assert watch.stop() == 0


def test_files_their_writer_finished_wait_a_quarter_of_the_quiet_time(project):
    """A sidecar closed after writing and an article renamed into place are whole by their
    writer's word: with 20 s of quiet asked, they are built after 5 s, not after the 30 s
    (quiet, then a second look) that a file still open for writing waits."""
    drops = project.parent / "input"
    with Watcher(project, "--quiet-seconds", "20") as watch:
        watch.wait_builds(1)
        (drops / "107_renamed.toml").write_text(
            'published = 2024-05-01T09:00:00+03:00\nslug = "renamed"\n', encoding="utf-8"
        )
        part = drops / "107_renamed.txt.part"
        part.write_text(story("خبر سمي باسمه بعد كتابته", PARAGRAPHS), encoding="utf-8")
        dropped = time.monotonic()
        part.rename(drops / "107_renamed.txt")
        builds = watch.wait_builds(2, 25)
        waited = time.monotonic() - dropped
        assert builds[1]["trigger"] == "2 changed" and builds[1]["outcome"] == "published"
        assert waited >= 5, f"built after {waited:.1f} s: a burst's gap is a quarter of 20 s"
        assert "2024-05-01" in page(project, "renamed").read_text(encoding="utf-8")
        assert watch.stop() == 0


def test_a_file_written_slowly_is_built_once_and_whole(project):
    """Each piece is written 0.4 s after the last, over 3 s: with 1 s of quiet asked, no build
    starts until the article and its sidecar are whole."""
    drops = project.parent / "input"
    with Watcher(project, "--quiet-seconds", "1") as watch:
        watch.wait_builds(1)
        pieces = [
            "خبر يكتب على مهل\n\nتصغير\nتكبير\n\n",
            *[p + "\n\n" for p in PARAGRAPHS],
        ]
        record = json.dumps(
            {
                "id": "slow-json",
                "title": "سجل يكتب على مهل",
                "body": PARAGRAPHS,
                "date": "2024-03-01T10:00:00+03:00",
                "slug": "slow-json",
            },
            ensure_ascii=False,
        )
        with (
            open(drops / "105_slow.txt", "w", encoding="utf-8") as txt,
            open(drops / "106_slow.json", "w", encoding="utf-8") as js,
        ):
            for n, piece in enumerate(pieces):
                txt.write(piece)
                txt.flush()
                js.write(
                    record[n * len(record) // len(pieces) : (n + 1) * len(record) // len(pieces)]
                )
                js.flush()
                time.sleep(0.4)
                assert len(watch.builds()) == 1, f"a build during the writing:\n{watch.report()}"
            sidecar = 'published = 2024-03-01T09:00:00+03:00\nslug = "slow-one"\n'
            (drops / "105_slow.toml").write_text(sidecar, encoding="utf-8")
            time.sleep(0.4)
            assert len(watch.builds()) == 1, f"a build during the writing:\n{watch.report()}"
        builds = watch.wait_builds(2, 60)
        assert builds[1]["rejected"] == "0" and builds[1]["outcome"] == "published", watch.report()
        html = page(project, "slow-one").read_text(encoding="utf-8")
        assert PARAGRAPHS[-1] in html and "2024-03-01" in html  # the last piece, the sidecar
        assert PARAGRAPHS[-1] in page(project, "slow-json").read_text(encoding="utf-8")
        time.sleep(1.5)
        assert len(watch.builds()) == 2 and "rejected /" not in watch.log(), watch.report()
        assert watch.stop() == 0


def test_changes_that_never_pause_are_still_built(project):
    """A scraper writing an article every 0.3 s never leaves 1 s of quiet: the folder is built
    anyway once the changes have gone on for --max-wait-seconds."""
    drops = project.parent / "input"
    with Watcher(project, "--quiet-seconds", "1", "--max-wait-seconds", "2") as watch:
        watch.wait_builds(1)
        started = time.monotonic()
        n = 0
        while len(watch.builds()) < 2:
            assert time.monotonic() - started < 60, (
                f"no build while changes went on:\n{watch.report()}"
            )
            drop(
                drops,
                f"2{n:02d}_stream{n}",
                f"خبر متتابع رقم {n}",
                datetime(2024, 4, 1, 9, n % 60, tzinfo=UTC),
                f"stream-{n}",
            )
            n += 1
            time.sleep(0.3)
        assert watch.builds()[1]["outcome"] == "published" and watch.builds()[1]["rejected"] == "0"
        assert watch.stop() == 0


def test_an_embargoed_article_is_published_when_its_time_comes(project):
    drops = project.parent / "input"
    with Watcher(project, "--quiet-seconds", "0.3") as watch:
        watch.wait_builds(1)
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=8)
        drop(drops, "107_embargo", "خبر محظور النشر حتى موعده", due, "embargoed")
        builds = watch.wait_builds(2, 60)
        assert builds[1]["held"] == "1" and not page(project, "embargoed").exists(), watch.report()
        assert f"next by itself at {due.isoformat().replace('+00:00', 'Z')}" in watch.log()
        report = json.loads((project.parent / "build-report.json").read_text(encoding="utf-8"))
        assert datetime.fromisoformat(report["next_change"]) == due
        # no file changes from here: the loop wakes by itself
        watch.wait_for("the embargoed page", page(project, "embargoed").is_file, 60)
        builds = watch.wait_builds(3)
        assert builds[2]["trigger"] == "time" and builds[2]["held"] == "0", watch.report()
        assert datetime.now(UTC) >= due
        assert watch.stop() == 0


def test_sigterm_stops_at_once_when_idle_and_after_the_build_in_progress(project):
    drops = project.parent / "input"
    with Watcher(project, "--quiet-seconds", "0.2") as watch:
        watch.wait_builds(1)
        asked = time.monotonic()
        assert watch.stop(timeout=10) == 0
        assert time.monotonic() - asked < 5
    assert watch.log().rstrip().endswith("stopped")

    with Watcher(project, "--quiet-seconds", "0.2") as watch:
        watch.wait_builds(1)
        drop(
            drops,
            "108_late",
            "خبر وصل قبل الإيقاف",
            datetime(2024, 5, 1, 9, tzinfo=UTC),
            "late-one",
        )
        watch.wait_for("the build's workers", watch.building, 30)
        assert watch.stop() == 0
        builds = watch.builds()
    # the build in progress was finished, not cut: its article is published
    assert len(builds) == 2 and builds[1]["outcome"] == "published", watch.report()
    assert page(project, "late-one").is_file()
    assert watch.log().rstrip().endswith("stopped")

    # a second signal abandons the build at once, as safely as kill -9; the next watch builds
    site = project.parent / "site"
    before = site_hash(site)
    with Watcher(project, "--quiet-seconds", "0.2") as watch:
        watch.wait_builds(1)
        drop(drops, "109_cut", "خبر قطع بناؤه", datetime(2024, 5, 2, 9, tzinfo=UTC), "cut-one")
        watch.wait_for("the build's lock", watch.building, 30)
        watch.process.send_signal(signal.SIGTERM)
        watch.wait_for("the stop noticed", lambda: "stopping once" in watch.log(), 10)
        watch.process.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        assert watch.process.wait(timeout=30) == 0
        assert time.monotonic() - asked < 10
        assert watch.log().rstrip().endswith("stopped: the build in progress abandoned")
    assert len(watch.builds()) == 1 and site_hash(site) == before
    with Watcher(project, "--quiet-seconds", "0.2") as watch:
        assert watch.wait_builds(1)[0]["outcome"] == "published"
        assert page(project, "cut-one").is_file()
        assert watch.stop() == 0


def test_a_burst_of_500_files_is_one_or_two_builds(tmp_path):
    staged = tmp_path / "staged"
    generate(250, staged)  # 250 articles with their sidecars: 500 files
    drops = tmp_path / "input"
    drops.mkdir()
    shutil.copytree(staged / "images", drops / "images")
    config = make_project(tmp_path, drops)
    shutil.copy(SAMPLE / "000_55425f2f31b4ad18.txt", drops)
    files = sorted(p for p in staged.iterdir() if p.is_file())
    assert len(files) == 500
    with Watcher(config, "--quiet-seconds", "2") as watch:
        watch.wait_builds(1, 180)
        started = time.monotonic()
        for n, path in enumerate(files):  # over about two seconds
            shutil.copy(path, drops / path.name)
            if n % 25 == 24:
                time.sleep(0.1)
                # nothing is read before the burst ends: an article without its sidecar yet
                # would be published undated
                assert not watch.building(), f"a build during the burst:\n{watch.report()}"
        dropping = time.monotonic() - started
        watch.wait_for(
            "every article built",
            lambda: any(m["built"] == "251" for m in watch.builds()),
            300,
        )
        time.sleep(2)  # a third build would have started by now
        builds = watch.builds()[1:]
        assert 1 <= len(builds) <= 2, watch.report()
        assert all(m["rejected"] == "0" and m["outcome"] == "published" for m in builds)
        assert len(list((tmp_path / "site" / "articles").iterdir())) == 251
        assert watch.stop() == 0
    print(f"500 files dropped in {dropping:.1f} s: {len(builds)} build(s)")


def test_next_change_is_the_earliest_moment_the_site_changes_by_time(tmp_path):
    """build-report.json's next_change: a held article's publication, a modified date left out
    until it comes, or the moment the oldest article of the news sitemap leaves its two days."""
    config = make_project(tmp_path, SAMPLE)

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    cases = [
        # 005 (published 2025-10-12T09:00+03:00) is still to come
        ("2025-10-12T08:00:00+03:00", at("2025-10-12T09:00:00+03:00")),
        # 005 is out, its modified date (09:40) still to come
        ("2025-10-12T09:20:00+03:00", at("2025-10-12T09:40:00+03:00")),
        # all out: 005 leaves the news sitemap two days after 09:00 (it is in it until then)
        ("2025-10-13T12:00:00+03:00", at("2025-10-14T09:00:00+03:00") + timedelta(microseconds=1)),
        # nothing left to change by itself
        ("2025-10-15T12:00:00+03:00", None),
    ]
    for now, expected in cases:
        report = build(config, now=at(now))
        assert report.published and report.next_change == expected, (now, report.next_change)
        written = report.to_json()["next_change"]
        assert (written and datetime.fromisoformat(written)) == expected


def test_killed_watch_leaves_the_old_or_the_new_site_and_the_next_watch_builds(tmp_path):
    """`kill -9` at random moments of a watch's build, as tests/test_atomic.py does for
    `nashra build`: site/ is always one whole site, and the next watch publishes."""
    versions = {"a": tmp_path / "a", "b": tmp_path / "b"}
    corpus_copies(versions["a"], 6)
    corpus_copies(versions["b"], 6, headline_suffix="(محدّث)")
    drops = tmp_path / "input"
    shutil.copytree(versions["a"], drops)
    config = make_project(tmp_path, drops)
    site = tmp_path / "site"
    changed = sorted(
        p.name
        for p in versions["b"].glob("*.txt")
        if p.read_bytes() != (versions["a"] / p.name).read_bytes()
    )

    def switch(which: str) -> None:
        for name in changed:
            shutil.copy(versions[which] / name, drops / name)

    def watch_once(which: str) -> float:
        """A watch that publishes ``which`` and is stopped; how long it took to publish."""
        switch(which)
        started = time.monotonic()
        with Watcher(config, "--quiet-seconds", "0.2") as watch:
            watch.wait_builds(1, 300)
            took = time.monotonic() - started
            assert watch.stop() == 0
        return took

    expected, duration = {}, 0.0
    for which in ("a", "b"):
        duration = watch_once(which)
        expected[which] = site_hash(site)
    assert expected["a"] != expected["b"]

    rng = random.Random(20261207)
    outcomes = []
    trial = 0
    mid_build = lambda: [o for o in outcomes if o[3] == "building"]  # noqa: E731
    while (trial < 12 or len(mid_build()) < 8) and trial < 40:
        which = "b" if site_hash(site) == expected["a"] else "a"  # each build a change
        switch(which)
        watch = Watcher(config, "--quiet-seconds", "0.2")
        moment = rng.uniform(0.2, 1.2) * duration
        time.sleep(moment)
        phase = "building" if watch.building() else "published" if watch.builds() else "starting"
        watch.process.kill()
        watch.process.wait(timeout=30)
        state = site_hash(site)
        assert state in (expected["a"], expected["b"]), (
            f"trial {trial}: mixed site at {moment:.2f} s"
        )
        if phase == "published":
            assert state == expected[which]
        outcomes.append(
            (
                round(moment, 2),
                watch.process.returncode,
                "a" if state == expected["a"] else "b",
                phase,
            )
        )
        # aim the kills at the build (the machine's load changes how long it takes)
        duration *= {"published": 0.85, "starting": 1.15}.get(phase, 1.0)
        trial += 1
    assert len(mid_build()) >= 8, outcomes
    print("kill moments, return codes, site state, phase:", outcomes)

    # the next watch publishes, and leaves nothing of the killed ones behind
    watch_once("a")
    assert site_hash(site) == expected["a"]
    deadline = time.monotonic() + 30  # leftovers are removed by a detached rm -rf

    def leftovers() -> list[str]:
        return sorted(p.name for p in tmp_path.glob(".site.*") if p.name != ".site.spare")

    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers() == []


def test_a_link_dropped_to_a_file_outside_the_folder_is_refused(project):
    """A drop folder a scraper writes to never publishes other files of the server."""
    drops = project.parent / "input"
    secret = project.parent / "elsewhere.txt"
    secret.write_text(story("سر من خارج مجلد الإدخال", PARAGRAPHS[:2]), encoding="utf-8")
    with Watcher(project, "--quiet-seconds", "0.3") as watch:
        watch.wait_builds(1)
        (drops / "000_leak.txt").symlink_to(secret)
        [*_, after] = watch.wait_builds(2)
        assert after["rejected"] == "1" and after["outcome"] == "published"
        assert (
            f"  rejected {drops / '000_leak.txt'}: a symbolic link to {secret}, "
            "outside the input folder: refused"
        ) in watch.log()
        assert not page(project, "leak").exists()
        (drops / "000_leak.txt").unlink()  # the other tests' builds reject nothing
        watch.wait_builds(3)
        assert watch.stop() == 0
