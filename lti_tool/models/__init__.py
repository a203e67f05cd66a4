"""Typed SQLAlchemy models, one module per aggregate."""

from lti_tool.models.admin import AdminBootstrap, AdminLaunchSession, AdminUser
from lti_tool.models.assessment import (
    Assessment,
    AuditEntry,
    Moderation,
    SamplingTally,
)
from lti_tool.models.badges import (
    BadgeAward,
    BadgePublicCredit,
    BadgeStatusList,
    BadgeSubjectDid,
)
from lti_tool.models.calibration import (
    CalibrationConsent,
    CalibrationItem,
    PracticeScoring,
)
from lti_tool.models.catalogue import (
    CourseCredential,
    Credential,
    CredentialDraft,
    CredentialVersion,
    Pathway,
    PathwayVersion,
)
from lti_tool.models.comment_bank import CommentEntry
from lti_tool.models.courses import Course, Membership, Person, ResourceLink
from lti_tool.models.evidence import (
    ActivityDeadline,
    ActivityDeadlineChange,
    Artefact,
    MediaLink,
    ParticipantConsent,
    RecordingTicket,
    Submission,
    Upload,
    UploadChunk,
)
from lti_tool.models.grading import GradeLineItem, ScoreDelivery, ServiceToken
from lti_tool.models.launches import Launch, LaunchRefusal, LoginState
from lti_tool.models.platforms import (
    Deployment,
    PlatformKeySet,
    Registration,
    RegistrationAttempt,
)

__all__ = [
    "ActivityDeadline",
    "ActivityDeadlineChange",
    "AdminBootstrap",
    "AdminLaunchSession",
    "AdminUser",
    "Artefact",
    "Assessment",
    "AuditEntry",
    "BadgeAward",
    "BadgePublicCredit",
    "BadgeStatusList",
    "BadgeSubjectDid",
    "CalibrationConsent",
    "CalibrationItem",
    "CommentEntry",
    "Course",
    "CourseCredential",
    "Credential",
    "CredentialDraft",
    "CredentialVersion",
    "Deployment",
    "GradeLineItem",
    "Launch",
    "LaunchRefusal",
    "LoginState",
    "MediaLink",
    "Membership",
    "Moderation",
    "ParticipantConsent",
    "Pathway",
    "PathwayVersion",
    "Person",
    "PlatformKeySet",
    "PracticeScoring",
    "RecordingTicket",
    "Registration",
    "RegistrationAttempt",
    "ResourceLink",
    "SamplingTally",
    "Submission",
    "Upload",
    "UploadChunk",
    "ScoreDelivery",
    "ServiceToken",
]
