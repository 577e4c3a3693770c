"""Print the Helm values of a classroom roster, for the chart with deploy/values.yaml.

    python3 deploy/roster.py [--roster classroom.toml] > roster.yaml

The roster is the one `python3 run.py classroom` reads, checked the same way: its teachers
get the `teacher` role (not the hub's admins: they cannot open a learner's server unless the
roster sets `teachers_open_servers`), teachers and learners are the only names allowed to log
in, and its
`[hub] idle_timeout` the idle culler's timeout. The output is JSON, which Helm reads as YAML.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classroom.launch import DEFAULTS, TEACHER_SCOPES, Refused, read_roster  # noqa: E402


def roster_values(roster: dict) -> dict:
    """The chart values that carry a roster (as read_roster returns it)."""
    teachers, learners = roster["teachers"], roster["learners"]
    scopes = TEACHER_SCOPES + (["access:servers"] if roster["hub"].get("teachers_open_servers")
                               else [])
    return {
        "hub": {"config": {"Authenticator": {"allowed_users": teachers + learners}},
                # Not the hub's admins: a teacher who opened a learner's server would run
                # the learner's page with the teacher's login (README, "Teaching with it").
                "loadRoles": {"teacher": {
                    "description": "sees the class and starts or stops servers; cannot open "
                                   "learners' servers", "scopes": scopes, "users": teachers}}},
        "cull": {"timeout": int(roster["hub"].get("idle_timeout", DEFAULTS["idle_timeout"]))},
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 deploy/roster.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--roster", type=Path, default=ROOT / "classroom.toml",
                        help="the roster, as for `python3 run.py classroom` (default: %(default)s)")
    path = parser.parse_args(argv).roster
    try:
        values = roster_values(read_roster(path))
    except Refused as error:
        print(f"roster: {error}", file=sys.stderr)
        return 1
    print(f"# Helm values for the roster {path.name}, written by deploy/roster.py: use it with\n"
          "# deploy/values.yaml, and write it again when the roster changes.")
    print(json.dumps(values, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
