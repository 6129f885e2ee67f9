"""Typed domain errors with a stable code and a translatable message, and the catalogue of
those codes.

Services raise these; web views turn them into form errors or messages, the API into
4xx JSON ``{"code": ..., "message": ..., "fields": {...}}``, the CLI into stderr + exit 1.

Every code a client may see is a member of :class:`Code` — stable, never renamed or reused —
and described in :data:`CATALOGUE` (HTTP status, meaning), from which ``docs/api-errors.md`` is
written (:func:`catalogue_markdown`; a test keeps the three in step and checks that every code
the code base raises is here).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.encoding import force_str


class Code(StrEnum):
    """The stable API error codes (the ``code`` of an error response)."""

    # General
    INVALID = "invalid"
    VALIDATION_FAILED = "validation_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    STALE_VERSION = "stale_version"
    UNAUTHENTICATED = "unauthenticated"
    INVALID_TOKEN = "invalid_token"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    THROTTLED = "throttled"
    CSRF_FAILED = "csrf_failed"
    MALFORMED_JSON = "malformed_json"
    BAD_ENCODING = "bad_encoding"
    BAD_CHARACTERS = "bad_characters"
    BAD_REQUEST = "bad_request"
    TOO_MANY_FIELDS = "too_many_fields"
    REQUEST_TOO_LARGE = "request_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    OUT_OF_RANGE = "out_of_range"
    DATABASE_BUSY = "database_busy"
    SERVER_ERROR = "server_error"
    HTTP_ERROR = "http_error"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    NOTHING_TO_CHANGE = "nothing_to_change"
    UNKNOWN_FIELDS = "unknown_fields"
    REASON_REQUIRED = "reason_required"
    UNKNOWN_FIELD = "unknown_field"

    # Files and imports
    FILE_TOO_LARGE = "file_too_large"
    EMPTY_IMPORT = "empty_import"
    IMPORT_INTERRUPTED = "import_interrupted"
    IMPORT_RUNNING = "import_running"
    BAD_FILE = "bad_file"
    BACKUP_FAILED = "backup_failed"
    FIELD_KEY_MISMATCH = "field_key_mismatch"
    IMPORT_FAILED = "import_failed"
    NOT_EXCEL = "not_excel"
    DAMAGED_FILE = "damaged_file"
    UNSAFE_FILE = "unsafe_file"
    BAD_HEADERS = "bad_headers"
    BAD_ROW = "bad_row"

    # Accounts
    PASSWORD_INCORRECT = "password_incorrect"
    PASSWORD_TOO_SHORT = "password_too_short"
    PASSWORD_TOO_SIMPLE = "password_too_simple"
    WEAK_PASSWORD = "weak_password"
    INVALID_EMAIL = "invalid_email"
    INVALID_MOBILE = "invalid_mobile"
    DUPLICATE_MOBILE = "duplicate_mobile"
    DUPLICATE_USER = "duplicate_user"
    DUPLICATE_USERNAME = "duplicate_username"
    DUPLICATE_GRANT = "duplicate_grant"
    DUPLICATE_DEPARTMENT = "duplicate_department"
    DEPARTMENT_REQUIRED = "department_required"
    DEPARTMENT_MISMATCH = "department_mismatch"
    WRONG_LEVEL = "wrong_level"
    ALREADY_REVOKED = "already_revoked"
    SELF_BACK_OFFICE = "self_back_office"
    SELF_DEACTIVATION = "self_deactivation"
    SELF_REVOCATION = "self_revocation"

    # Areas
    CYCLE = "cycle"
    DUPLICATE_CODE = "duplicate_code"
    INVALID_CODE = "invalid_code"
    DIVISION_DATA = "division_data"
    INVALID_GEOJSON = "invalid_geojson"
    INVALID_POLYGON = "invalid_polygon"
    INVALID_POINT = "invalid_point"
    OUT_OF_BOUNDS = "out_of_bounds"
    OVERLAP = "overlap"
    LEVEL_MISMATCH = "level_mismatch"
    PARENT_MISMATCH = "parent_mismatch"
    PARENT_MISSING = "parent_missing"
    PARENT_REQUIRED = "parent_required"
    WRONG_PARENT = "wrong_parent"
    WRONG_PARENT_LEVEL = "wrong_parent_level"
    SOURCE_MISSING = "source_missing"
    UNKNOWN_DIVISION = "unknown_division"

    # Rosters
    INVALID_AREA = "invalid_area"
    INVALID_FACTS = "invalid_facts"
    SAME_AREA = "same_area"
    BUILDING_REQUIRED = "building_required"
    ESTATE_ELSEWHERE = "estate_elsewhere"
    NOT_A_GRID = "not_a_grid"
    HEAD_EXISTS = "head_exists"
    HOUSEHOLD_INACTIVE = "household_inactive"
    DUPLICATE_NUMBER = "duplicate_number"
    TAG_EXISTS = "tag_exists"
    INVALID_POST = "invalid_post"
    GRID_CHIEF_TAKEN = "grid_chief_taken"
    END_BEFORE_START = "end_before_start"
    UNIT_REQUIRED = "unit_required"
    UNIT_ELSEWHERE = "unit_elsewhere"
    UNEXPECTED_BUILDING = "unexpected_building"
    UNEXPECTED_UNIT = "unexpected_unit"
    BUILDING_ELSEWHERE = "building_elsewhere"
    DECEASED = "deceased"
    NOT_LIVING = "not_living"
    TAG_ENDED = "tag_ended"
    ALREADY_ENDED = "already_ended"
    DUPLICATE_NAME = "duplicate_name"
    DUPLICATE_POST = "duplicate_post"
    DUPLICATE_ROOM = "duplicate_room"
    NO_GRANT = "no_grant"
    TOO_MANY_ROOMS = "too_many_rooms"
    TOO_MANY_ROWS = "too_many_rows"
    UNKNOWN_KIND = "unknown_kind"

    # Party
    ABSENCE_REASON = "absence_reason"
    AREA_OUTSIDE_PARENT = "area_outside_parent"
    ATTENDANCE_TWICE = "attendance_twice"
    DATE_IN_FUTURE = "date_in_future"
    DUPLICATE_ID_NUMBER = "duplicate_id_number"
    DUPLICATE_REGISTRATION = "duplicate_registration"
    MEMBER_INACTIVE = "member_inactive"
    NOT_A_MEMBER = "not_a_member"
    NOT_PROBATIONARY = "not_probationary"
    ORG_HAS_CHILDREN = "org_has_children"
    ORG_HAS_MEMBERS = "org_has_members"
    PROBATION_TOO_SHORT = "probation_too_short"
    SAME_ORG = "same_org"
    TOO_YOUNG = "too_young"
    WRONG_MEETING_TYPE = "wrong_meeting_type"
    WRONG_PARENT_KIND = "wrong_parent_kind"

    # Cases
    ACTION_NOT_ALLOWED = "action_not_allowed"
    BAD_PHOTO = "bad_photo"
    CASE_CLOSED = "case_closed"
    DEADLINE_PASSED = "deadline_passed"
    DELAY_PENDING = "delay_pending"
    IDEMPOTENCY_BUSY = "idempotency_busy"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INVALID_PHONE = "invalid_phone"
    NO_DELAY_REQUEST = "no_delay_request"
    NO_HIGHER_LEVEL = "no_higher_level"
    NO_LOCATION = "no_location"
    NO_POOL_AREA = "no_pool_area"
    NO_UNIT = "no_unit"
    NOT_IN_GRID = "not_in_grid"
    NOT_MY_GRID = "not_my_grid"
    NOT_YOUR_UNIT = "not_your_unit"
    OUTSIDE_JURISDICTION = "outside_jurisdiction"
    PHOTO_REQUIRED = "photo_required"
    REFERENCE_BUSY = "reference_busy"
    TOO_MANY_PHOTOS = "too_many_photos"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_CATEGORY = "unknown_category"

    # Working calendar, audit, demo
    BAD_SCHEDULE = "bad_schedule"
    BAD_YEAR = "bad_year"
    CALENDAR_MISSING = "calendar_missing"
    RETENTION_TOO_SHORT = "retention_too_short"
    DEMO_EXISTS = "demo_exists"

    # Open311
    ALREADY_INACTIVE = "already_inactive"
    INVALID_API_KEY = "invalid_api_key"
    INVALID_DATE = "invalid_date"
    INVALID_ID = "invalid_id"
    INVALID_NUMBER = "invalid_number"
    INVALID_RANGE = "invalid_range"
    INVALID_STATUS = "invalid_status"
    LOCATION_REQUIRED = "location_required"
    NAME_REQUIRED = "name_required"
    OUTSIDE_CLIENT_AREA = "outside_client_area"
    SERVICE_CODE_REQUIRED = "service_code_required"
    UNKNOWN_REQUEST = "unknown_request"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_TOKEN = "unknown_token"

    # Mediation
    BEFORE_OUTCOME = "before_outcome"
    BEFORE_REGISTRATION = "before_registration"
    FOLLOW_UP_REQUIRED = "follow_up_required"
    INVALID_ID_NUMBER = "invalid_id_number"
    PARTIES_REQUIRED = "parties_required"
    REFERRAL_REQUIRED = "referral_required"
    UNKNOWN_DISPUTE_TYPE = "unknown_dispute_type"
    # Mediation: screening (摸排)
    SCREENING_ALREADY_FILED = "screening_already_filed"
    SCREENING_EMPTY_RETURN = "screening_empty_return"
    SCREENING_NO_GRIDS = "screening_no_grids"
    SCREENING_NOTHING_AND_DISPUTES = "screening_nothing_and_disputes"
    # Mediation: documents and links with cases
    BAD_TEMPLATE = "bad_template"
    DOCUMENT_NOT_READY = "document_not_ready"
    CASE_IN_MEDIATION = "case_in_mediation"
    CASE_ALREADY_OPENED = "case_already_opened"

    # Command centre: the map
    INVALID_BBOX = "invalid_bbox"
    UNKNOWN_MAP_MEASURE = "unknown_map_measure"
    UNKNOWN_MAP_LAYER = "unknown_map_layer"
    # Command centre
    PERIOD_IN_FUTURE = "period_in_future"


# Code → (HTTP status(es), meaning): the documentation of each code.
CATALOGUE: dict[Code, tuple[str, str]] = {
    # General
    Code.INVALID: (
        "400",
        "The request is not valid (the generic code of a domain error without its own).",
    ),
    Code.VALIDATION_FAILED: (
        "400, 422",
        "Input failed validation; `fields` names each field and its problem.",
    ),
    Code.PERMISSION_DENIED: ("403", "You may not do this, or not in this area."),
    Code.NOT_FOUND: ("404", "Not found, or outside your jurisdiction."),
    Code.CONFLICT: ("409", "The request conflicts with the current state."),
    Code.STALE_VERSION: (
        "409",
        "The record was changed by someone else since it was read; reload and try again.",
    ),
    Code.UNAUTHENTICATED: ("401", "Sign in or send a valid API token."),
    Code.INVALID_TOKEN: ("401", "The API token is unknown, revoked or expired."),
    Code.INVALID_CREDENTIALS: ("401", "Wrong username or password."),
    Code.TOO_MANY_ATTEMPTS: ("429", "Too many failed sign-ins; wait before trying again."),
    Code.THROTTLED: ("429", "Too many requests; try again later."),
    Code.CSRF_FAILED: ("403", "A session request without a valid CSRF token."),
    Code.MALFORMED_JSON: ("400", "The request body is not valid JSON."),
    Code.BAD_ENCODING: ("400", "The request is not valid UTF-8."),
    Code.BAD_CHARACTERS: ("400", "Text with NUL, control characters or lone surrogates."),
    Code.BAD_REQUEST: ("400", "The request could not be read."),
    Code.TOO_MANY_FIELDS: ("400", "The request has too many fields."),
    Code.REQUEST_TOO_LARGE: ("413", "The request body is larger than allowed."),
    Code.UNSUPPORTED_MEDIA_TYPE: (
        "415",
        "The body is not JSON (or not the type the endpoint takes).",
    ),
    Code.DATE_OUT_OF_RANGE: (
        "400, 422",
        "A date or date-time outside the years the system accepts.",
    ),
    Code.OUT_OF_RANGE: ("400", "A number outside its allowed range."),
    Code.DATABASE_BUSY: ("503", "The database is busy; retry after `Retry-After` seconds."),
    Code.SERVER_ERROR: ("500", "An unexpected error occurred."),
    Code.HTTP_ERROR: ("4xx", "Any other HTTP error of the API framework."),
    Code.REQUIRED: ("400", "A required value is missing."),
    Code.TOO_LONG: ("400", "A text is longer than allowed."),
    Code.TOO_MANY: ("400", "More items than allowed."),
    Code.NOTHING_TO_CHANGE: ("400", "The request changes nothing."),
    Code.UNKNOWN_FIELDS: ("400", "Fields the endpoint does not know."),
    Code.REASON_REQUIRED: ("400", "Showing or exporting personal data unmasked needs a reason."),
    Code.UNKNOWN_FIELD: ("400", "A field that cannot be shown unmasked."),
    # Files and imports
    Code.FILE_TOO_LARGE: ("400", "The uploaded file is too large."),
    Code.EMPTY_IMPORT: ("400", "The file holds nothing to import."),
    Code.IMPORT_INTERRUPTED: (
        "—",
        "An import job was cut off by a restart (in the job's result); retrying runs it again.",
    ),
    Code.IMPORT_RUNNING: ("409", "The same file is being imported; try again shortly."),
    Code.BAD_FILE: (
        "400",
        "An attachment whose content is not an accepted photo or document, or is too large.",
    ),
    Code.BACKUP_FAILED: ("—", "A backup or restore could not be made (command line only)."),
    Code.FIELD_KEY_MISMATCH: (
        "503",
        "The field key cannot open the database's personal data; the server refuses to start.",
    ),
    Code.IMPORT_FAILED: ("400", "An import could not be read or applied."),
    Code.NOT_EXCEL: ("400", "The file is not an Excel workbook (.xlsx)."),
    Code.DAMAGED_FILE: ("400", "The workbook is damaged and cannot be read."),
    Code.UNSAFE_FILE: (
        "400",
        "The workbook holds content that is not accepted (macros, external links, too large when unpacked).",
    ),
    Code.BAD_HEADERS: ("400", "The sheet's header row does not match the template."),
    Code.BAD_ROW: ("400", "A row of the imported data is not valid."),
    # Accounts
    Code.PASSWORD_INCORRECT: ("400", "The current password is wrong."),
    Code.PASSWORD_TOO_SHORT: ("400", "The new password is too short."),
    Code.PASSWORD_TOO_SIMPLE: ("400", "The new password is too simple."),
    Code.WEAK_PASSWORD: ("400", "The password does not meet the password rules."),
    Code.INVALID_EMAIL: ("400", "Not a valid e-mail address."),
    Code.INVALID_MOBILE: ("400", "Not a valid mainland mobile number."),
    Code.DUPLICATE_MOBILE: ("409", "The mobile number already belongs to another account."),
    Code.DUPLICATE_USER: ("409", "The account already exists."),
    Code.DUPLICATE_USERNAME: ("409", "The username is taken."),
    Code.DUPLICATE_GRANT: ("409", "The user already holds this role in this area."),
    Code.DUPLICATE_DEPARTMENT: ("409", "A department of this name already exists."),
    Code.DEPARTMENT_REQUIRED: ("400", "A department handler must belong to a department."),
    Code.DEPARTMENT_MISMATCH: ("400", "The role and the department do not belong together."),
    Code.WRONG_LEVEL: ("400", "The area is not of the level the role or action needs."),
    Code.ALREADY_REVOKED: ("409", "The API token was already revoked."),
    Code.SELF_BACK_OFFICE: ("400", "You cannot change your own back-office rights."),
    Code.SELF_DEACTIVATION: ("400", "You cannot deactivate your own account."),
    Code.SELF_REVOCATION: ("400", "You cannot revoke your own administrator role."),
    # Areas
    Code.CYCLE: ("400", "An area cannot be moved under itself or one of its descendants."),
    Code.DUPLICATE_CODE: ("400, 409", "The code is already used."),
    Code.INVALID_CODE: ("400", "Not a valid code (administrative division or area code)."),
    Code.DIVISION_DATA: ("400", "The administrative-division data is not valid."),
    Code.INVALID_GEOJSON: ("400", "The boundary is not a GeoJSON Polygon or MultiPolygon."),
    Code.INVALID_POLYGON: ("400", "The boundary is not a valid polygon."),
    Code.INVALID_POINT: ("400", "Longitude and latitude are not valid numbers."),
    Code.OUT_OF_BOUNDS: ("400", "Coordinates outside WGS84 longitude/latitude bounds."),
    Code.OVERLAP: ("400", "The boundary overlaps a neighbouring area."),
    Code.LEVEL_MISMATCH: ("409", "The area's level does not fit where it is placed."),
    Code.PARENT_MISMATCH: ("409", "The parent given does not match the area's parent."),
    Code.PARENT_MISSING: ("400", "The parent area does not exist."),
    Code.PARENT_REQUIRED: ("400", "A parent is required."),
    Code.WRONG_PARENT: ("400", "The parent is not allowed here."),
    Code.WRONG_PARENT_LEVEL: ("400", "The parent is not of the level this area needs."),
    Code.SOURCE_MISSING: ("400", "The data source of the division import is missing."),
    Code.UNKNOWN_DIVISION: ("400", "A division code that is not in the data."),
    # Rosters
    Code.INVALID_AREA: ("400", "Choose an active area of the right level."),
    Code.INVALID_FACTS: (
        "400",
        "Facts about a person that contradict each other or the ID number.",
    ),
    Code.SAME_AREA: ("400", "The person is already in this area or household."),
    Code.BUILDING_REQUIRED: ("400", "A building is required."),
    Code.ESTATE_ELSEWHERE: ("400", "The estate belongs to another area."),
    Code.NOT_A_GRID: ("400", "The area is not a grid."),
    Code.HEAD_EXISTS: ("400", "The household already has a head."),
    Code.HOUSEHOLD_INACTIVE: ("400", "The household is dissolved."),
    Code.DUPLICATE_NUMBER: ("400", "The household number is already used."),
    Code.TAG_EXISTS: ("400", "The person already carries this special-group tag."),
    Code.INVALID_POST: ("400", "An unknown staff post."),
    Code.GRID_CHIEF_TAKEN: ("400", "The grid already has a grid chief."),
    Code.END_BEFORE_START: ("400", "The end date lies before the start date."),
    Code.UNIT_REQUIRED: ("400", "A unit is required for this post."),
    Code.UNIT_ELSEWHERE: ("400", "The unit belongs to another building."),
    Code.UNEXPECTED_BUILDING: ("400", "This post takes no building."),
    Code.UNEXPECTED_UNIT: ("400", "This post takes no unit."),
    Code.BUILDING_ELSEWHERE: ("400", "The building belongs to another area."),
    Code.DECEASED: ("409", "The person has died."),
    Code.NOT_LIVING: ("409", "The person no longer lives here."),
    Code.TAG_ENDED: ("409", "The special-group tag has ended."),
    Code.ALREADY_ENDED: ("409", "The post or membership has already ended."),
    Code.DUPLICATE_NAME: ("400, 409", "The name is already used here."),
    Code.DUPLICATE_POST: ("409", "The user already holds this post here."),
    Code.DUPLICATE_ROOM: ("409", "The room already exists in this unit."),
    Code.NO_GRANT: ("400", "The user holds no role here that fits the post."),
    Code.TOO_MANY_ROOMS: ("400", "More rooms than a building may be given at once."),
    Code.TOO_MANY_ROWS: ("400", "The file has more rows than an import takes."),
    Code.UNKNOWN_KIND: ("400", "An unknown roster or sheet kind."),
    # Party
    Code.ABSENCE_REASON: ("400", "An absence needs a reason."),
    Code.AREA_OUTSIDE_PARENT: ("400", "The organisation's area lies outside its parent's."),
    Code.ATTENDANCE_TWICE: ("400", "The member is already on the attendance list."),
    Code.DATE_IN_FUTURE: ("400", "The date cannot be in the future."),
    Code.DUPLICATE_ID_NUMBER: ("400", "A party member with this ID number is already registered."),
    Code.DUPLICATE_REGISTRATION: (
        "400",
        "This phone number already has an open registration with the community.",
    ),
    Code.MEMBER_INACTIVE: ("409", "The party member is no longer active."),
    Code.NOT_A_MEMBER: ("400", "The person is not a member of this organisation."),
    Code.NOT_PROBATIONARY: ("409", "Only an active probationary member can be confirmed."),
    Code.ORG_HAS_CHILDREN: ("409", "Deactivate the sub-organisations first."),
    Code.ORG_HAS_MEMBERS: ("409", "Transfer the organisation's members first."),
    Code.PROBATION_TOO_SHORT: ("400", "The probation period has not ended yet."),
    Code.SAME_ORG: ("400", "The member is already in this organisation."),
    Code.TOO_YOUNG: ("400", "Too young to join."),
    Code.WRONG_MEETING_TYPE: ("400", "The meeting type does not fit the organisation."),
    Code.WRONG_PARENT_KIND: ("400", "This kind of organisation cannot sit under that parent."),
    # Cases
    Code.ACTION_NOT_ALLOWED: ("409", "The case's state does not allow this action."),
    Code.BAD_PHOTO: ("400", "A photo that is not a valid image or not valid base64."),
    Code.CASE_CLOSED: ("409", "The case is closed."),
    Code.DEADLINE_PASSED: ("409", "The deadline has passed."),
    Code.DELAY_PENDING: ("409", "An extension request is already waiting for a decision."),
    Code.IDEMPOTENCY_BUSY: ("409", "The same request is being processed; try again."),
    Code.IDEMPOTENCY_KEY_REUSED: ("409", "The idempotency key was used for a different request."),
    Code.INVALID_PHONE: ("400", "Not a valid phone number."),
    Code.NO_DELAY_REQUEST: ("409", "There is no extension request to decide."),
    Code.NO_HIGHER_LEVEL: ("409", "There is no higher level to escalate to."),
    Code.NO_LOCATION: ("400", "A report needs a location."),
    Code.NO_POOL_AREA: (
        "400",
        "The point lies outside every grid and no area receives such cases.",
    ),
    Code.NO_UNIT: ("409", "The case has no unit to go back to."),
    Code.NOT_IN_GRID: ("400", "The point lies in no grid."),
    Code.NOT_MY_GRID: ("400", "The point lies outside your grid."),
    Code.NOT_YOUR_UNIT: ("403", "The case is assigned to another unit."),
    Code.OUTSIDE_JURISDICTION: ("400", "The area is outside your jurisdiction."),
    Code.PHOTO_REQUIRED: ("400", "At least one photo is required."),
    Code.REFERENCE_BUSY: ("409", "Categories or areas are being changed right now; try again."),
    Code.TOO_MANY_PHOTOS: ("400", "More photos than allowed."),
    Code.UNKNOWN_ACTION: ("404", "There is no such action."),
    Code.UNKNOWN_CATEGORY: ("400", "An unknown or inactive category."),
    # Working calendar, audit, demo
    Code.BAD_SCHEDULE: ("400", "The working-calendar schedule has errors; nothing was saved."),
    Code.BAD_YEAR: ("400", "A year the working calendar does not cover."),
    Code.CALENDAR_MISSING: ("409", "The working calendar for this year is missing."),
    Code.RETENTION_TOO_SHORT: ("400", "The audit retention is shorter than the law requires."),
    Code.DEMO_EXISTS: ("409", "The demonstration data are already loaded."),
    # Open311
    Code.ALREADY_INACTIVE: ("409", "The Open311 client's key is already inactive."),
    Code.INVALID_API_KEY: ("403", "A valid `api_key` is required."),
    Code.INVALID_DATE: ("400", "Not a valid date."),
    Code.INVALID_ID: ("400", "`service_request_id` is not a list of numbers."),
    Code.INVALID_NUMBER: ("400", "Not a valid number."),
    Code.INVALID_RANGE: ("400", "`start_date` is later than `end_date`."),
    Code.INVALID_STATUS: ("400", "`status` must be `open`, `closed` or both."),
    Code.LOCATION_REQUIRED: ("400", "Send `lat` and `long`, or an `address_string`."),
    Code.NAME_REQUIRED: ("400", "A name is required."),
    Code.OUTSIDE_CLIENT_AREA: ("403", "The point lies outside the Open311 client's area."),
    Code.SERVICE_CODE_REQUIRED: ("400", "`service_code` is required."),
    Code.UNKNOWN_REQUEST: ("404", "There is no such service request."),
    Code.UNKNOWN_SERVICE: ("400, 404", "There is no such service."),
    Code.UNKNOWN_TOKEN: ("404", "There is no service request with this token."),
    # Mediation
    Code.BEFORE_OUTCOME: ("400", "A follow-up visit dated before the dispute's outcome."),
    Code.BEFORE_REGISTRATION: (
        "400",
        "A session or visit dated before the dispute was registered.",
    ),
    Code.FOLLOW_UP_REQUIRED: (
        "409",
        "An agreement is closed only after a follow-up visit recorded its performance.",
    ),
    Code.INVALID_ID_NUMBER: ("400", "Not a valid resident ID number (GB 11643)."),
    Code.PARTIES_REQUIRED: ("409", "An agreement needs at least two named parties."),
    Code.REFERRAL_REQUIRED: (
        "400",
        "A referral (or no agreement) needs where it goes and the receiving body.",
    ),
    Code.UNKNOWN_DISPUTE_TYPE: ("400", "No dispute type in use has this id or code."),
    # Mediation: screening (摸排)
    Code.SCREENING_ALREADY_FILED: (
        "409",
        "The screening return was already filed (a repeat with the same `key` is answered 200).",
    ),
    Code.SCREENING_EMPTY_RETURN: (
        "400",
        "A screening return needs `nothing_found` or at least one dispute.",
    ),
    Code.SCREENING_NO_GRIDS: ("400", "There is no grid under the area to screen."),
    Code.SCREENING_NOTHING_AND_DISPUTES: (
        "400",
        "A screening return is either `nothing_found` or lists disputes, not both.",
    ),
    # Mediation: documents and links with cases
    Code.BAD_TEMPLATE: (
        "400",
        "A document template that is not a DOCX template with the placeholders of its kind, "
        "or that cannot be filled in.",
    ),
    Code.DOCUMENT_NOT_READY: (
        "409",
        "The dispute lacks what the document needs (parties, a session, the agreed terms).",
    ),
    Code.CASE_IN_MEDIATION: ("409", "The case has already been turned into a mediation."),
    Code.CASE_ALREADY_OPENED: ("409", "The dispute has already opened a case."),
    # Command centre: the map
    Code.INVALID_BBOX: (
        "400",
        "A map box that is not four numbers min_lng,min_lat,max_lng,max_lat within the world "
        "(minimum below maximum).",
    ),
    Code.UNKNOWN_MAP_MEASURE: ("400", "No map measure with this key is registered."),
    Code.UNKNOWN_MAP_LAYER: ("400", "No marker layer with this key is registered."),
    Code.PERIOD_IN_FUTURE: ("400", "A report asked for a period that has not started yet."),
}


def catalogue_markdown() -> str:
    """The catalogue as the Markdown table of ``docs/api-errors.md``."""
    lines = ["| code | HTTP status | meaning |", "|---|---|---|"]
    for code in Code:
        status, meaning = CATALOGUE[code]
        lines.append(f"| `{code}` | {status} | {meaning} |")
    return "\n".join(lines) + "\n"


class DomainError(Exception):
    code: str = Code.INVALID
    status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: Code | str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(force_str(message))
        self._message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}

    @property
    def message(self) -> str:
        return force_str(self._message)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.fields:
            data["fields"] = {k: force_str(v) for k, v in self.fields.items()}
        return data


class ValidationFailed(DomainError):
    code: str = Code.VALIDATION_FAILED
    status = 400


class PermissionDenied(DomainError):
    code: str = Code.PERMISSION_DENIED
    status = 403


class NotFound(DomainError):
    code: str = Code.NOT_FOUND
    status = 404


class Conflict(DomainError):
    code: str = Code.CONFLICT
    status = 409
