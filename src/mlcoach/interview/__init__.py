"""Mock interviews, design rounds, project deep-dives, study plans, job descriptions and the
interviews a user is preparing for.

    MockInterview.start(db, catalog, user_id, role="engineering", minutes=45)   # mock.py
    grade_design(scenario, answer, grader)                                      # design.py
    detect_project(text); deep_dive_questions(profile)                         # deepdive.py
    create_plan(...); replan(...); plan_to_ics(plan)                            # stored_plans.py, calendar.py
    read_posting(text); compare(posting, skills_from_resume(cv), catalog)       # jobspec.py
    add_interview(...); tick_items(...); thank_you_note(info)                   # tracker.py
"""

from mlcoach.interview.calendar import plan_to_ics
from mlcoach.interview.deepdive import (
    DeepDiveQuestion,
    ProjectProfile,
    deep_dive_questions,
    detect_project,
)
from mlcoach.interview.design import DesignGrade, DimensionResult, grade_design
from mlcoach.interview.jobspec import (
    CandidateSkills,
    JobspecReport,
    PostingProfile,
    compare,
    read_posting,
    skills_from_mastery,
    skills_from_ratings,
    skills_from_resume,
)
from mlcoach.interview.mock import AnswerOutcome, MockError, MockInterview, MockServices
from mlcoach.interview.plan_builder import Activity, PlanDay, PlanRequest, build_plan
from mlcoach.interview.rounds import Prompt, RoundState
from mlcoach.interview.scorecard import Scorecard
from mlcoach.interview.services import CodeJudge, CodeVerdict, DrillQueue
from mlcoach.interview.stored_plans import (
    StoredPlan,
    active_plan,
    create_plan,
    refresh_statuses,
    replan,
)
from mlcoach.interview.tracker import (
    InterviewInfo,
    add_interview,
    checklist_entries,
    get_interview,
    list_interviews,
    set_stage,
    thank_you_note,
    tick_items,
    update_interview,
)

__all__ = [
    "Activity",
    "AnswerOutcome",
    "CandidateSkills",
    "CodeJudge",
    "CodeVerdict",
    "DeepDiveQuestion",
    "DesignGrade",
    "DimensionResult",
    "DrillQueue",
    "InterviewInfo",
    "JobspecReport",
    "MockError",
    "MockInterview",
    "MockServices",
    "PlanDay",
    "PlanRequest",
    "PostingProfile",
    "ProjectProfile",
    "Prompt",
    "RoundState",
    "Scorecard",
    "StoredPlan",
    "active_plan",
    "add_interview",
    "build_plan",
    "checklist_entries",
    "compare",
    "create_plan",
    "deep_dive_questions",
    "detect_project",
    "get_interview",
    "grade_design",
    "list_interviews",
    "plan_to_ics",
    "read_posting",
    "refresh_statuses",
    "replan",
    "set_stage",
    "skills_from_mastery",
    "skills_from_ratings",
    "skills_from_resume",
    "thank_you_note",
    "tick_items",
    "update_interview",
]
