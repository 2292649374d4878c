"""The review queue ("Twijfelgevallen") of coordinators: recent items the model is least
sure about, each with the label form pre-ticked with the model's labels.

Confirming or correcting posts to the item's label route (:mod:`.items`) with
``terug=/twijfelgevallen``; the item then has a human label and leaves the queue.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nieuwsradar.core import Radar
from nieuwsradar.errors import ModelError
from nieuwsradar.types import User
from nieuwsradar.web.deps import get_radar, require_coordinator
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)

#: Where the forms of the queue return to after saving.
QUEUE_PATH = "/twijfelgevallen"


@router.get(QUEUE_PATH)
def review_page(request: Request, radar: Annotated[Radar, Depends(get_radar)],
                _user: Annotated[User, Depends(require_coordinator)],
                opgeslagen: str = "") -> Response:
    """The doubtful cases of the last two weeks, disagreements with the source first."""
    try:
        cases, problem = radar.review_queue(), ""
    except ModelError:
        cases, problem = [], radar.model_problem or "Er is geen domeinmodel."
    return render(request, "review.html", {
        "cases": cases, "problem": problem, "saved": opgeslagen == "1",
        "human_labels": radar.human_label_count(),
        "back": f"{QUEUE_PATH}?opgeslagen=1",
    })
