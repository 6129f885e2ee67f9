"""Attachments: photos and documents (PDF, DOCX, XLSX) of any governed record.

* :mod:`.checks` — every upload checked by its content (Pillow for images, the ZIP structure
  and ``[Content_Types].xml`` for DOCX/XLSX, the ``%PDF-`` header and ``%%EOF`` trailer for
  PDF); photos re-encoded without metadata; size limits from settings.
* :mod:`.models` — :class:`~.models.Attachment`, the abstract base each owner's attachment
  model subclasses with a foreign key to its owner (why: see its docstring).
* :mod:`.services` — :func:`~.services.attachments_add`, storing checked files for an owner.
* :mod:`.views` — the one download view, through the owner's ``visible_to`` scoping.
"""
