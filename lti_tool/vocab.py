"""LTI claim, role and message vocabularies, in one place."""

from __future__ import annotations

from enum import StrEnum

LTI_VERSION = "1.3.0"


class Claim(StrEnum):
    MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
    VERSION = "https://purl.imsglobal.org/spec/lti/claim/version"
    DEPLOYMENT_ID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
    TARGET_LINK_URI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
    RESOURCE_LINK = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
    ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
    CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
    TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
    LAUNCH_PRESENTATION = (
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
    )
    CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
    LIS = "https://purl.imsglobal.org/spec/lti/claim/lis"
    AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
    DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
    DL_MESSAGE = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"


class MessageType(StrEnum):
    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"
    DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"


class Scope(StrEnum):
    LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
    LINEITEM_READONLY = (
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
    )
    RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    NRPS_READONLY = (
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
    )


LIS = "http://purl.imsglobal.org/vocab/lis/v2"
MEMBERSHIP = f"{LIS}/membership"
INSTITUTION = f"{LIS}/institution/person"
SYSTEM = f"{LIS}/system/person"


class ContextRole(StrEnum):
    """Course (membership) roles, full URIs."""

    ADMINISTRATOR = f"{MEMBERSHIP}#Administrator"
    CONTENT_DEVELOPER = f"{MEMBERSHIP}#ContentDeveloper"
    INSTRUCTOR = f"{MEMBERSHIP}#Instructor"
    LEARNER = f"{MEMBERSHIP}#Learner"
    MENTOR = f"{MEMBERSHIP}#Mentor"
    MANAGER = f"{MEMBERSHIP}#Manager"
    MEMBER = f"{MEMBERSHIP}#Member"
    OFFICER = f"{MEMBERSHIP}#Officer"
    TEACHING_ASSISTANT = f"{MEMBERSHIP}/Instructor#TeachingAssistant"


CONTEXT_TYPE_COURSE = f"{LIS}/course#CourseOffering"
CONTEXT_TYPE_COURSE_SECTION = f"{LIS}/course#CourseSection"
