"""Serve's options: the cron's time zone (given, or the machine's, or UTC), checked up front."""

from __future__ import annotations

import pytest

from pipeline.cli import main
from pipeline.orchestration import serving
from pipeline.orchestration.deployment import deployment
from pipeline.orchestration.flows import Settings


@pytest.mark.parametrize("name", ["Asia/Tokyo", "UTC", "Europe/Berlin"])
def test_iana_zones_are_valid(name):
    assert serving.valid_timezone(name)


@pytest.mark.parametrize(
    "name", ["", "Tokyo", "Mars/Olympus", "../../etc/passwd", "/etc/localtime"]
)
def test_other_names_are_not(name):
    assert not serving.valid_timezone(name)


def test_the_local_zone_comes_from_tz_else_the_system_else_utc(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert serving.local_timezone() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "Not/AZone")
    assert serving.valid_timezone(serving.local_timezone())


def test_a_bad_zone_or_cron_exits_2_before_serving(capsys, monkeypatch, corpus_dir, lexicon_dir):
    served = []
    monkeypatch.setattr(serving, "serve", lambda *a: served.append(a))
    common = ["--corpus", str(corpus_dir), "--lexicons", str(lexicon_dir)]
    assert main(["serve", "--cron", "0 6 * * *", "--timezone", "Tokyo", *common]) == 2
    assert "--timezone 'Tokyo'" in capsys.readouterr().err
    assert main(["serve", "--cron", "61 6 * * *", *common]) == 2
    assert "--cron" in capsys.readouterr().err
    assert not served


def test_the_deployment_schedule_carries_the_zone_and_absolute_paths():
    dep = deployment(Settings(corpus="corpus", out="out"), "0 6 * * *", "d", "Asia/Tokyo")
    assert [(s.schedule.cron, s.schedule.timezone) for s in dep.schedules] == [
        ("0 6 * * *", "Asia/Tokyo")
    ]
    assert dep.parameters["settings"]["corpus"].startswith("/")
    assert dep.parameters["settings"]["out"].startswith("/")
