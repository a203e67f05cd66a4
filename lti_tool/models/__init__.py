"""Typed SQLAlchemy models, one module per aggregate."""

from lti_tool.models.admin import AdminUser
from lti_tool.models.badges import BadgeAward, BadgePublicCredit, BadgeStatusList
from lti_tool.models.catalogue import (
    CourseCredential,
    Credential,
    CredentialVersion,
    Pathway,
    PathwayVersion,
)
from lti_tool.models.courses import Course, Membership, Person, ResourceLink
from lti_tool.models.grading import GradeLineItem, ScoreDelivery, ServiceToken
from lti_tool.models.launches import Launch, LaunchRefusal, LoginState
from lti_tool.models.platforms import Deployment, PlatformKeySet, Registration

__all__ = [
    "AdminUser",
    "BadgeAward",
    "BadgePublicCredit",
    "BadgeStatusList",
    "Course",
    "CourseCredential",
    "Credential",
    "CredentialVersion",
    "Deployment",
    "GradeLineItem",
    "Launch",
    "LaunchRefusal",
    "LoginState",
    "Membership",
    "Pathway",
    "PathwayVersion",
    "Person",
    "PlatformKeySet",
    "Registration",
    "ResourceLink",
    "ScoreDelivery",
    "ServiceToken",
]
