"""Consistency across files: several patients in one zip, one Patient ID with different names
or birth dates, one study with different patient data.

Each may be intended (a teaching set, a re-identified subject), so these are medium findings
for a person to confirm. Judged from totals at the end: the patients seen (with their first
files) and each study's patients, both kept in order of first appearance, which merges by
concatenating.
"""

from __future__ import annotations

from dicompeek.privacy.elements import DicomFile
from dicompeek.privacy.findings import JSON, MAX_FILES, File, Finding, files_from_state, files_state
from dicompeek.privacy.protocol import Context, RuleBase

Person = tuple[str, str, str]  # (patient ID, name, birth date)


class Consistency(RuleBase):
    name = "consistency"
    fields = ("PatientName", "PatientID", "PatientBirthDate", "StudyInstanceUID")

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._people: dict[Person, list[File]] = {}  # the first MAX_FILES files of each
        self._studies: dict[str, dict[Person, None]] = {}  # ordered: a deterministic report

    def end_file(self, dicom: DicomFile) -> None:
        name, pid, birth = dicom.field("PatientName"), dicom.field("PatientID"), dicom.field("PatientBirthDate")
        if not (name or pid or birth):
            return
        person = (pid, name, birth)
        people = self._people.setdefault(person, [])
        if len(people) < MAX_FILES:
            people.append(dicom.file)
        study = dicom.field("StudyInstanceUID")
        if study:
            self._studies.setdefault(study, {})[person] = None

    def finish(self) -> list[Finding]:
        people = self._people
        patients: dict[tuple[str, str], list[File]] = {}
        for (pid, name, _), files in people.items():
            patients.setdefault((pid, name), []).extend(files)
        if len(patients) > 1:
            self._group(("consistency", "patients"), f"{len(patients)} patients in this zip",
                        "More than one person's data: check that each was meant to be sent.",
                        {f"{name} / {pid}": files for (pid, name), files in patients.items()})
        by_id: dict[str, dict[str, list[File]]] = {}
        for (pid, name, birth), files in people.items():
            if pid:
                by_id.setdefault(pid, {})[f"{name} / {birth}"] = files
        for n, (_, variants) in enumerate(sorted(by_id.items()), 1):
            if len(variants) > 1:
                self._group(("consistency", "same-id", n), "The same Patient ID with different names or birth dates",
                            "One ID, several people or spellings: files from different patients may have been mixed, "
                            "or a de-identification replaced names inconsistently.", variants)
        for n, (_, persons) in enumerate(sorted(self._studies.items()), 1):
            if len(persons) > 1:
                self._group(("consistency", "study", n), "One study with different patient data",
                            "Files of the same Study Instance UID disagree on the patient (ID, name or birth date).",
                            {" / ".join(p): people.get(p, []) for p in persons})
        return self.findings.values()

    def _group(self, key: tuple[str | int, ...], title: str, reason: str, groups: dict[str, list[File]]) -> None:
        # several patients is a fact to confirm (info); the same person told apart two ways is a problem
        severity = "info" if key[1] == "patients" else "medium"
        finding = self.findings.put(key, Finding(":".join(str(k) for k in key), severity, "consistency", title, reason))
        for value, files in groups.items():
            for f in files:
                finding.restart()
                finding.hit(f, value)
        finding.files = len({f.entry for files in groups.values() for f in files})

    def state(self) -> JSON:
        return {**super().state(),
                "people": [[list(person), files_state(files)] for person, files in self._people.items()],
                "studies": [[study, [list(p) for p in persons]] for study, persons in self._studies.items()]}

    def merge(self, state: JSON) -> None:
        super().merge(state)
        for plain, files in state["people"]:
            people = self._people.setdefault((plain[0], plain[1], plain[2]), [])
            people.extend(files_from_state(files)[:MAX_FILES - len(people)])
        for study, persons in state["studies"]:
            known = self._studies.setdefault(study, {})
            for p in persons:
                known[(p[0], p[1], p[2])] = None
