"""Staff sign-in: salted hashes, the pause after wrong passwords, the allow-list, the audit log, set-password."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant import staff
from assistant.config import Settings, load_settings
from assistant.errors import ConfigError


def test_a_hash_checks_its_password_only_and_never_holds_it() -> None:
    hashed = staff.hash_password("correct horse battery")
    assert hashed.startswith("scrypt$16384$8$1$") and "correct" not in hashed
    assert hashed != staff.hash_password("correct horse battery")  # salted: the same password, another hash
    settings = Settings(admin_password_hash=hashed)
    assert staff.check_password("correct horse battery", settings)
    assert not staff.check_password("correct horse batter", settings)
    assert not staff.check_password("", settings)


def test_the_hash_wins_over_a_plain_development_password() -> None:
    both = Settings(admin_password_hash=staff.hash_password("from the hash"), admin_password="plain")
    assert staff.check_password("from the hash", both) and not staff.check_password("plain", both)
    assert staff.check_password("plain", Settings(admin_password="plain"))
    assert not staff.check_password("anything", Settings())
    assert not staff.enabled(Settings()) and staff.enabled(Settings(admin_password="plain"))


def test_a_damaged_hash_lets_nobody_in_and_a_foreign_one_is_refused() -> None:
    damaged = staff.hash_password("secret words here")[:-6] + "AAAA=="
    assert not staff.check_password("secret words here", Settings(admin_password_hash=damaged))
    assert not staff.check_password("x", Settings(admin_password_hash="scrypt$not$a$hash"))
    with pytest.raises(ConfigError, match="set-password"):
        Settings(admin_password_hash="5f4dcc3b5aa765d61d8327deb882cf99")  # an unsalted MD5


def test_sign_in_pauses_after_five_wrong_passwords_for_longer_each_time() -> None:
    assert [staff.pause_after(n) for n in range(1, 9)] == [0, 0, 0, 0, 30, 60, 120, 240]
    assert staff.pause_after(40) == staff.MAX_PAUSE_S
    throttle = staff.Throttle()
    for _ in range(4):
        throttle.failed(1000.0)
    assert throttle.wait(1000.0) == 0  # four wrong ones: no pause yet
    throttle.failed(1000.0)
    assert throttle.wait(1000.0) == 30 and throttle.wait(1029.0) == 1 and throttle.wait(1030.0) == 0
    throttle.failed(1030.0)
    assert throttle.wait(1030.0) == 60
    throttle.succeeded()
    assert throttle.wait(1030.0) == 0 and throttle.failures == 0


def test_single_sign_on_admits_only_the_allow_list() -> None:
    settings = load_settings(environ={"JSNA_STAFF_EMAILS": "Ann.Lee@council.gov.uk, bo@nhs.net ,"})
    assert settings.staff_emails == ("Ann.Lee@council.gov.uk", "bo@nhs.net") and staff.enabled(settings)
    assert staff.allowed("ann.lee@council.gov.uk", settings) and staff.allowed(" bo@nhs.net", settings)
    assert not staff.allowed("eve@council.gov.uk", settings) and not staff.allowed(None, settings)
    assert not staff.allowed("", settings)


def test_the_audit_log_appends_events_with_time_and_who(tmp_path: Path) -> None:
    staff.audit(tmp_path, "wrong password", "unknown")
    staff.audit(tmp_path, "upload", "ann.lee@council.gov.uk", file="falls-2024.pdf")
    with (tmp_path / staff.AUDIT_LOG).open("a", encoding="utf-8") as handle:
        handle.write('{"time": "torn')  # a write cut off by a crash
    first, second = staff.read_audit(tmp_path)
    assert (first["event"], first["who"]) == ("wrong password", "unknown")
    assert second["file"] == "falls-2024.pdf" and second["time"].endswith("+00:00")
    assert staff.read_audit(tmp_path / "nowhere") == []


@pytest.mark.parametrize(
    "before",
    [
        "",
        '# our server\ncorpus = "corpus"\nadmin_password_hash = "scrypt$1$1$1$old$old"\nport = 8600\n',
        '# settings\n[jsna]\nindex = "index"\n',
    ],
)
def test_set_password_writes_the_hash_into_the_settings_file_and_keeps_the_rest(tmp_path: Path, before: str) -> None:
    config = tmp_path / "jsna.toml"
    if before:
        config.write_text(before, encoding="utf-8")
        config.chmod(0o640)  # as on a server: the service's group reads it
    hashed = staff.hash_password("a long enough password")
    staff.set_password_in(config, hashed)
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    table = data.get("jsna", data)
    assert table["admin_password_hash"] == hashed
    assert config.read_text(encoding="utf-8").count("admin_password_hash") == 1
    if "port" in before:
        assert table["port"] == 8600 and config.read_text(encoding="utf-8").startswith("# our server\n")
    settings = load_settings(config_file=config, environ={})
    assert staff.check_password("a long enough password", settings)
    assert config.stat().st_mode & 0o777 == (0o640 if before else 0o600)  # a new file: its owner's only


def test_an_attempt_counts_in_every_throttle_and_none_is_checked_while_paused(tmp_path: Path) -> None:
    settings = Settings(index=tmp_path / "index", admin_password_hash=staff.hash_password("the right password"))
    mine, server = staff.Throttle(), staff.Throttle()
    server.failures = 4  # other sessions have guessed wrong four times
    first = staff.attempt("a guess", settings, [mine, server], 100.0)
    assert (first.ok, first.checked, first.wait) == (False, True, 30.0)  # the server's fifth: paused for all
    assert (mine.failures, server.failures) == (1, 5)
    blocked = staff.attempt("the right password", settings, [mine, server], 110.0)
    assert (blocked.ok, blocked.checked, blocked.wait) == (False, False, 20.0)  # refused unchecked while paused
    later = staff.attempt("the right password", settings, [mine, server], 131.0)
    assert (later.ok, later.checked) == (True, True) and mine.failures == server.failures == 0
    assert [entry["event"] for entry in staff.read_audit(settings.index)] == ["wrong password"]
