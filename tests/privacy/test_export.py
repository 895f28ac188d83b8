from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from privacy_testlib import GUARDIAN_EMAIL, PARTNER_EMAIL, PARTNER_SECRETS, PERSON_EMAIL

from peerpath.core.models import AuditEntry
from peerpath.privacy.export import export_zip, person_export
from peerpath.privacy.graph import links_for, personal_models


def _document(world) -> tuple[dict, str]:
    export = person_export(world.person)
    text = json.dumps(export.document(), ensure_ascii=False)
    return export.document(), text


def test_export_holds_a_row_for_every_model_that_has_one_about_the_person(world):
    document, _text = _document(world)
    records = document["records"]
    for links in personal_models():
        manager = links.model._default_manager
        owned = manager.filter(links.owner_q(world.person.pk))
        if links.label == "messaging.message":
            owned = owned.filter(status="delivered") | manager.filter(author=world.person)
        expected = owned.distinct().count()
        got = len(records.get(links.label, []))
        if links.label == "core.auditentry":
            assert got >= expected
        else:
            assert got == expected, links.label
    for label in [
        "core.user",
        "people.studentprofile",
        "people.guardianlink",
        "programs.participant",
        "recruitment.application",
        "recruitment.guardianconsent",
        "matching.match",
        "matching.exitsurvey",
        "meetings.session",
        "meetings.sessionlog",
        "meetings.sessionnote",
        "meetings.goal",
        "meetings.goalupdate",
        "meetings.calendarfeed",
        "messaging.thread",
        "messaging.message",
        "support.checkinresponse",
        "support.concern",
        "core.auditentry",
    ]:
        assert records.get(label), f"nothing from {label}"


def test_export_includes_the_partners_name_but_nothing_private_of_theirs(world):
    document, text = _document(world)
    [match] = document["records"]["matching.match"]
    assert match["mentor"]["name"].startswith("Ottoline Brackenridge")
    assert "close_note" not in match  # the coordinator's note about the pair
    assert PARTNER_EMAIL not in text
    assert GUARDIAN_EMAIL not in text
    for secret in PARTNER_SECRETS:
        assert secret not in text, secret
    # Their own private note and answers are there; the partner's delivered message too.
    assert "Zephyrine's own private note" in text
    assert "Zephyrine feels good" in text
    assert "Hello Zephyrine, see you Tuesday" in text
    notes = document["records"]["meetings.sessionnote"]
    assert [n["body"] for n in notes] == ["Zephyrine's own private note"]
    [survey] = document["records"]["matching.exitsurvey"]
    assert survey["helped"] == "Zephyrine liked the sessions"
    assert "password" not in document["records"]["core.user"][0]
    assert document["person"]["email"] == PERSON_EMAIL


def test_export_leaves_out_the_bystander_and_other_pairs(world):
    text = _document(world)[1]
    assert "Bartholomew" not in text
    assert "bart@birch-privacy.test" not in text


def test_a_coordinator_is_mentioned_in_rows_they_acted_on_without_their_content(world):
    export = person_export(world.coordinator)
    text = json.dumps(export.document(), ensure_ascii=False)
    assert {m["model"] for m in export.mentions} >= {"matching.match", "core.auditentry"}
    assert "Zephyrine did well" not in text  # the close note is in the match, not theirs
    assert "Zephyrine wants help" not in text
    # The program they created names them; it is listed as a mention.
    assert any(m["model"] == "programs.program" for m in export.mentions)


def test_zip_has_one_json_document_and_one_csv_per_model(world):
    export = person_export(world.person)
    archive = zipfile.ZipFile(io.BytesIO(export_zip(export)))
    names = set(archive.namelist())
    assert "person.json" in names
    assert {f"csv/{label}.csv" for label in export.records} <= names
    document = json.loads(archive.read("person.json"))
    assert document["format"] == "peerpath-subject-access"
    messages_csv = archive.read("csv/messaging.message.csv").decode("utf-8-sig")
    assert "Hi Ottoline, this is Zephyrine. Thanks!" in messages_csv
    header = messages_csv.splitlines()[0].split(",")
    assert "findings" not in header


def test_command_writes_the_zip_and_audits_it(world, tmp_path: Path):
    out = io.StringIO()
    call_command("export_person", email=PERSON_EMAIL.upper(), output=tmp_path, stdout=out)
    [path] = list(tmp_path.glob("peerpath-person-*.zip"))
    assert zipfile.is_zipfile(path)
    entry = AuditEntry.objects.filter(action="privacy.export").get()
    assert entry.target_id == str(world.person.pk)
    assert entry.actor is None
    assert entry.after["rows"] > 20
    assert "Wrote" in out.getvalue()


def test_links_for_user_counts_the_person_themselves(world):
    assert links_for("core.user").owner_paths == ("",)


def test_command_names_a_person_who_is_not_there(world, tmp_path: Path):
    with pytest.raises(CommandError, match="No person"):
        call_command("export_person", email="nobody@example.org", output=tmp_path)
    with pytest.raises(CommandError, match="in organization 'elsewhere'"):
        call_command("export_person", email=PERSON_EMAIL, organization="elsewhere", output=tmp_path)
    slug = world.school.organization.slug
    call_command(
        "export_person",
        email=PERSON_EMAIL,
        organization=slug,
        output=tmp_path,
        stdout=io.StringIO(),
    )
    assert list(tmp_path.glob("*.zip"))
