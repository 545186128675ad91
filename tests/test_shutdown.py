"""How a ``divobench`` process ends (``core/shutdown.py``): exit handlers run and output arrives, without the
interpreter's teardown; a thread still working is waited for."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


def test_quick_exit_runs_the_exit_handlers_flushes_output_and_keeps_the_exit_code(tmp_path):
    marker = tmp_path / "handler-ran"
    result = run_python(f"""
        import atexit, pathlib, sys
        from divobench_pipeline.core.shutdown import quick_exit
        atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text("ja"))
        sys.stdout.write("uitvoer zonder regeleinde")
        sys.stderr.write("melding")
        quick_exit(3)
        print("never")
    """)
    assert result.returncode == 3
    assert result.stdout == "uitvoer zonder regeleinde" and result.stderr == "melding"
    assert marker.read_text() == "ja"


def test_quick_exit_waits_for_a_thread_that_is_still_working(tmp_path):
    done = tmp_path / "thread-done"
    result = run_python(f"""
        import pathlib, threading, time
        from divobench_pipeline.core.shutdown import quick_exit
        def work():
            time.sleep(0.5)
            pathlib.Path({str(done)!r}).write_text("klaar")
        threading.Thread(target=work).start()
        quick_exit(0)
    """)
    assert result.returncode == 0, result.stderr
    assert done.read_text() == "klaar"


def test_quick_exit_of_none_is_success_as_with_sys_exit():
    result = run_python("""
        from divobench_pipeline.core.shutdown import quick_exit
        quick_exit(None)
    """)
    assert result.returncode == 0 and result.stderr == ""
