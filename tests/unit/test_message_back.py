"""The message back to the GP: every value escaped, one page per person, reliable change."""

from __future__ import annotations

import pandas as pd
import pytest

from wellpath import message_back as mb
from wellpath import pack
from wellpath.views import message_back as view


def _message(**over) -> mb.Message:
    base = dict(
        pseudonym="P-1", practice="West Road (A86012)", referral_date="3 Apr 2025",
        first_contact_date="10 Apr 2025", discharge_date="1 Oct 2025", contacts="6 attended",
        goals=(("Getting active", "Achieved, 1 Sep 2025"),),
        scores=(("PSEQ", "20 (10 Apr 2025)", "35 (1 Oct 2025)", "reliably better"),),
        discharge_reason="Goals met",
    )  # fmt: skip
    base.update(over)
    return mb.Message(**base)


def test_every_value_from_the_data_is_escaped():
    doc = mb.build_html([_message(pseudonym="<script>alert(1)</script>", practice='"><img src=x>')])
    assert "<script>alert" not in doc and "<img" not in doc
    assert "&lt;script&gt;" in doc and "&quot;&gt;&lt;img" in doc


def test_one_page_per_person_and_not_recorded_next_step():
    doc = mb.build_html([_message(), _message(pseudonym="P-2")])
    assert doc.count('<section class="message">') == 2
    assert "break-after: page" in doc and "A4 portrait" in doc
    assert "Suggested next</dt><dd>not recorded" in doc


def test_reliable_change_uses_the_paired_baseline_sd():
    # PSEQ r = 0.86 (Dube 2021). SD of baselines 10, 20, 30 = 10: threshold
    # 1.96 * sqrt(2) * 10 * sqrt(0.14) = 10.37 points
    pairs = pd.DataFrame({"measure": ["PSEQ"] * 3, "baseline_score": [10.0, 20.0, 30.0]})
    sd = view.baseline_sds(pairs)["PSEQ"]
    assert sd == pytest.approx(10.0)
    assert view.reliable_text("PSEQ", 20, 31, sd) == "reliably better"
    assert view.reliable_text("PSEQ", 20, 30, sd) == "no reliable change"
    assert view.reliable_text("PSEQ", 30, 19, sd) == "reliably worse"
    assert view.reliable_text("WBSTAR", 30, 50, 5.0) == "not assessed (no published reliability)"
    assert view.reliable_text("PSEQ", 30, None, sd) == "no score at the end"


@pytest.mark.skipif(not pack.chromium_available(), reason="needs Chromium")
def test_pdf_has_one_page_per_person():
    pdf = mb.to_pdf(mb.build_html([_message(), _message(pseudonym="P-2")]))
    assert (
        pdf.startswith(b"%PDF")
        and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type /Page ")
        >= 2
    )
