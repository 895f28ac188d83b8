"""Load Peerpath's starter training curriculum (idempotent by slug)."""

from django.db import migrations

from peerpath.training.curriculum import load_curriculum


def load(apps, schema_editor):
    load_curriculum(apps.get_model("training", "TrainingModule"), apps.get_model("training", "QuizQuestion"))


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
