"""All models, importable from one place (Alembic's autogenerate sees them through here)."""

from app.models.access import ResidentAccessCode
from app.models.access_log import AccessLogEntry
from app.models.base import REDACTED, AppendOnlyError, Base, UTCDateTime, utcnow
from app.models.dashboards import DASHBOARD_INDEXES, DailyHistogram, DailyRollup, RollupDay
from app.models.diagnoses import (
    ATTENTION_VIAS,
    QUESTION_KINDS,
    SCORE_FIELDS,
    AttentionAnswer,
    StaffAnswer,
    StaffAnswerItem,
    StaffQuestion,
    StaffQuestionnaire,
    StaffRespondent,
    SurveyTheme,
)
from app.models.followers import TicketFollower
from app.models.initiatives import (
    INITIATIVE_STATUSES,
    PROGRESS_MODES,
    Initiative,
    InitiativeChange,
    Milestone,
    ProgressUpdate,
)
from app.models.messaging import ApiKey, Notification, SmsSuppression
from app.models.organization import Category, ClosedDay, Department
from app.models.people import ROLES, Contact, ContactChange, StaffUser
from app.models.photos import PHOTO_SOURCES, Photo
from app.models.privacy import REDACTION_SCOPES, Redaction
from app.models.protocols import CategoryProtocol, ProtocolRead
from app.models.settings import TEMPLATE_KINDS, ResponseTemplate, Setting
from app.models.sms import InboundSms
from app.models.surveys import SURVEY_CHANNELS, SatisfactionRating
from app.models.tickets import (
    CHANNELS,
    OpenTicketHour,
    Ticket,
    TicketContact,
    TicketCount,
    TicketEvent,
)

__all__ = [
    "ATTENTION_VIAS",
    "QUESTION_KINDS",
    "SCORE_FIELDS",
    "AttentionAnswer",
    "StaffAnswer",
    "StaffAnswerItem",
    "StaffQuestion",
    "StaffQuestionnaire",
    "StaffRespondent",
    "SurveyTheme",
    "AccessLogEntry",
    "CHANNELS",
    "DASHBOARD_INDEXES",
    "INITIATIVE_STATUSES",
    "PROGRESS_MODES",
    "ROLES",
    "SURVEY_CHANNELS",
    "TEMPLATE_KINDS",
    "ApiKey",
    "AppendOnlyError",
    "Base",
    "Category",
    "CategoryProtocol",
    "ProtocolRead",
    "ClosedDay",
    "DailyHistogram",
    "DailyRollup",
    "RollupDay",
    "Contact",
    "ContactChange",
    "Department",
    "InboundSms",
    "Initiative",
    "InitiativeChange",
    "Milestone",
    "ProgressUpdate",
    "Notification",
    "PHOTO_SOURCES",
    "Photo",
    "REDACTED",
    "REDACTION_SCOPES",
    "Redaction",
    "ResidentAccessCode",
    "ResponseTemplate",
    "SatisfactionRating",
    "Setting",
    "SmsSuppression",
    "StaffUser",
    "Ticket",
    "TicketContact",
    "TicketCount",
    "OpenTicketHour",
    "TicketEvent",
    "TicketFollower",
    "UTCDateTime",
    "utcnow",
]
