"""A Python shell in instance A's Django, started once: each line on stdin is a JSON string of code to run.

Each answer is one JSON line on stdout: {"out": what the code printed} or {"error": its traceback}.
One process for the module's every look at A: a Django start costs most of a second.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback

if __name__ == "__main__":
    import django

    django.setup()
    answers = sys.stdout
    for line in sys.stdin:
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(json.loads(line), {"__name__": "a_shell"})  # noqa: S102 (the test's own code)
            answer = {"out": printed.getvalue()}
        except Exception:
            answer = {"error": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
