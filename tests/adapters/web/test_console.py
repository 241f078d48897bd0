"""`entraide console` serves the web pages on localhost, and `/entraide dashboard` there
prints the link that opens them."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def test_the_console_serves_the_pages_and_prints_the_dashboard_link(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    env["ENTRAIDE_WEB__PORT"] = "0"  # any free port: tests never take a fixed one
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.runtime.cli",
            "console",
            "--start",
            "2026-11-23T08:00:00+00:00",
        ],
        input="alice: /entraide dashboard\nbob: /entraide dashboard\nbob: /entraide library\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=True,
    )
    served = re.search(r"web pages on (http://127\.0\.0\.1:\d+)/", run.stdout)
    assert served, run.stdout
    assert re.search(
        rf"🔒 entraide → alice: Your dashboard: {served.group(1)}/login/[\w.-]+ ", run.stdout
    )
    assert "🔒 entraide → bob: Only organisers can open the dashboard" in run.stdout
    assert re.search(
        rf"🔒 entraide → bob: The community's knowledge base: {served.group(1)}/login/", run.stdout
    )
    assert run.stderr == ""
