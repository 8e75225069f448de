"""The 汕尾 demo: build the city and its history on first run; keep reports flowing.

- :mod:`api.demo.build` builds the city, the reference data and the users, then the history;
- :mod:`api.demo.history` takes synthetic reports in and plays them through the real loop;
- :mod:`api.demo.story` draws what happens to a case and picks its next step among those the
  workflow allows; :mod:`api.demo.pace` says when, in the workflow's working time;
- :mod:`api.demo.cast` says who acts; :mod:`api.demo.texts` what they write;
- :mod:`api.demo.simulator` keeps new reports and steps coming while the server runs, and
  :mod:`api.demo.showcase` names the turns (whistle, escalation, 不满意 call-back, review…)
  it shows in a demo's first minute.
"""

from api.demo.build import DEMO_COUNTS, HISTORY_DAYS, HISTORY_INCIDENTS, demo_present, ensure_demo
from api.demo.history import (
    DemoCase,
    Lifecycle,
    plan_cases,
    play_case,
    replay_history,
    story_of,
)
from api.demo.simulator import Simulator, start_simulator
from api.demo.story import Step, Story, draw_story, next_step

__all__ = [
    "DEMO_COUNTS",
    "HISTORY_DAYS",
    "HISTORY_INCIDENTS",
    "DemoCase",
    "Lifecycle",
    "Simulator",
    "Step",
    "Story",
    "demo_present",
    "draw_story",
    "ensure_demo",
    "next_step",
    "play_case",
    "plan_cases",
    "replay_history",
    "start_simulator",
    "story_of",
]
