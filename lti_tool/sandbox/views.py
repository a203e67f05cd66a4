"""The sandbox LMS's pages and endpoints, as one blueprint.

A person picks learner or teacher, opens the course page and launches
Pathmark in an iframe. Behind it: the OIDC authorization endpoint, the deep
linking return, the platform JWKS, the token endpoint, AGS and NRPS, and
the platform storage frame Pathmark talks to with postMessage.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from lti1p3platform.exceptions import PreflightRequestValidationException
from lti1p3platform.response import Response as ServiceResponse
from lti1p3platform.response import generate_next_link

from lti_tool.sandbox.lms import ACTING_AS, SandboxLMS
from lti_tool.sandbox.platform import (
    FlaskRequest,
    SandboxLaunch,
    SandboxLogin,
    SandboxPlatformConf,
    ToolJwtError,
)
from lti_tool.sandbox.services import (
    LINEITEM_MEDIA_TYPE,
    SCORE_MEDIA_TYPE,
    SandboxAgs,
    SandboxNrps,
    ServiceError,
    issue_token,
    require_scope,
    validate_score,
)
from lti_tool.vocab import Claim, MessageType, Scope

bp = Blueprint("sandbox", __name__)


def lms() -> SandboxLMS:
    return current_app.extensions["sandbox_lms"]


def platform_conf(**extra: Any) -> SandboxPlatformConf:
    conf = SandboxPlatformConf(
        lms=lms(), tool_keys=current_app.extensions["sandbox_tool_keys"], **extra
    )
    conf.get_registration()
    return conf


def external(endpoint: str, **values: Any) -> str:
    return lms().issuer + url_for(endpoint, **values)


def service_urls() -> dict[str, str]:
    return {
        "return": external("sandbox.course"),
        "memberships": external("sandbox.memberships"),
        "lineitems": external("sandbox.lineitems"),
        "deep_link_return": external("sandbox.deep_link_return"),
    }


def acting_role() -> str:
    return session.get("role", "learner")


def offers_storage() -> bool:
    return session.get("storage", True)


# Pages for people


@bp.get("/")
def course():
    the_lms = lms()
    role = acting_role()
    link = the_lms.links.get(request.args.get("link", ""))
    adding = role == "teacher" and request.args.get("add") == "1"
    frame_src = None
    if link is not None:
        frame_src = url_for("sandbox.launch", link_id=link.link_id)
    elif adding:
        frame_src = url_for("sandbox.deep_link_start")
    return render_template(
        "sandbox/course.html",
        lms=the_lms,
        role=role,
        person=the_lms.acting_person(role),
        link=link,
        frame_src=frame_src,
        storage=offers_storage(),
        tool_origin=the_lms.tool_url,
    )


@bp.post("/switch")
def switch():
    role = request.form.get("role", "learner")
    if role not in ACTING_AS:
        abort(400)
    session["role"] = role
    if "storage" in request.form:
        session["storage"] = request.form["storage"] == "on"
    if "hints" in request.form:
        # "once": one-time hints even without platform storage, like a
        # Canvas-like platform that offers no storage.
        session["hints_once"] = request.form["hints"] == "once"
    return redirect(url_for("sandbox.course"), code=303)


@bp.post("/platform-key/rotate")
def rotate_platform_key():
    key = lms().rotate_key(keep_old=request.form.get("keep_old", "1") == "1")
    lms().log(f"platform key rotated: {key.kid}")
    return redirect(url_for("sandbox.course"), code=303)


@bp.get("/gradebook")
def gradebook():
    return render_template("sandbox/gradebook.html", lms=lms(), role=acting_role())


@bp.get("/roster")
def roster():
    return render_template("sandbox/roster.html", lms=lms(), role=acting_role())


@bp.get("/storage-frame")
def storage_frame():
    return render_template("sandbox/storage_frame.html", tool_origin=lms().tool_url)


# The launch: login initiation, then the authorization endpoint


def _login_redirect(link_id: str | None, multiple: bool = True) -> Response:
    the_lms = lms()
    person = the_lms.acting_person(acting_role())
    # With platform storage the sandbox acts like Canvas (one-time hints),
    # without it like Moodle (hints usable again until they expire).
    storage = offers_storage()
    single_use = storage or session.get("hints_once", False)
    hint = the_lms.issue_hint(person.user_id, link_id, multiple, single_use=single_use)
    login = SandboxLogin(FlaskRequest(request), platform_conf())
    login.set_lti_message_hint(hint=hint)
    if link_id is None:
        login.set_deeplinking_launch_url()
    return redirect(login.login_url(person.user_id, storage), code=302)


@bp.get("/launch/<link_id>")
def launch(link_id: str):
    if link_id not in lms().links:
        abort(404)
    return _login_redirect(link_id)


@bp.get("/deep-link/start")
def deep_link_start():
    if acting_role() != "teacher":
        abort(403)
    return _login_redirect(None, multiple=request.args.get("multiple", "1") == "1")


def _oidc_error(redirect_uri: str, state: str, error: str, description: str):
    lms().log(f"auth: answered {error}")
    return render_template(
        "sandbox/autopost.html",
        action=redirect_uri,
        fields={"error": error, "error_description": description, "state": state},
        note="Returning to the tool…",
    )


@bp.route("/auth", methods=["GET", "POST"])
def authorize():
    """OIDC authorization endpoint: who is signed in, which launch, then post."""
    the_lms = lms()
    params = request.values
    conf = platform_conf()
    registration = conf.get_registration()
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != the_lms.client_id:
        return render_template("sandbox/error.html", message="Unknown client_id."), 400
    if redirect_uri != registration.get_launch_url():
        # Never post a token to an address the registration does not name.
        return render_template(
            "sandbox/error.html", message="redirect_uri is not registered."
        ), 400
    state = params.get("state", "")
    if (
        params.get("scope") != "openid"
        or params.get("response_type") != "id_token"
        or params.get("response_mode") != "form_post"
        or not params.get("nonce")
        or not state
    ):
        return _oidc_error(redirect_uri, state, "invalid_request", "bad parameters")

    signed_in = the_lms.acting_person(acting_role()) if "role" in session else None
    login_hint = params.get("login_hint", "")
    if signed_in is None or signed_in.user_id != login_hint:
        return _oidc_error(
            redirect_uri, state, "login_required", "sign in to the LMS again"
        )
    hint = the_lms.use_hint(params.get("lti_message_hint", ""))
    if hint is None or hint.user_id != login_hint:
        return _oidc_error(
            redirect_uri, state, "launch_no_longer_valid", "open the link again"
        )

    conf = platform_conf(tamper=the_lms.take_tamper())
    link = the_lms.links.get(hint.link_id) if hint.link_id else None
    urls = service_urls()
    if link is not None:
        # The page that starts this link's launch, as an admin would set
        # it as a custom parameter: a tool opens it to launch afresh.
        urls["relaunch"] = external("sandbox.launch", link_id=link.link_id)
    message = SandboxLaunch(
        FlaskRequest(request),
        conf,
        person=signed_in,
        link=link,
        urls=urls,
        deep_link_data=(
            the_lms.open_deep_link(signed_in.user_id, hint.multiple)
            if link is None
            else None
        ),
        multiple=hint.multiple,
    )
    try:
        return message.lti_launch()
    except PreflightRequestValidationException:
        return _oidc_error(redirect_uri, state, "invalid_request", "bad parameters")


@bp.post("/deep-linking/return")
def deep_link_return():
    """Verify the tool's LtiDeepLinkingResponse, then create what it returns."""
    the_lms = lms()
    token = request.form.get("JWT", "")
    if not token:
        return _dl_refused("The tool sent no JWT.", 400)
    conf = platform_conf()
    try:
        claims = conf.verify_tool_jwt(token, audience=the_lms.issuer, require=["nonce"])
    except ToolJwtError as exc:
        return _dl_refused(f"The response was refused: {exc}.", exc.status)
    if claims.get(Claim.MESSAGE_TYPE) != MessageType.DEEP_LINKING_RESPONSE:
        return _dl_refused("The JWT is not an LtiDeepLinkingResponse.", 400)
    if claims.get(Claim.DEPLOYMENT_ID) != the_lms.deployment_id:
        return _dl_refused("The JWT names another deployment.", 400)
    if not the_lms.first_use("nonce", str(claims["nonce"]), float(claims["exp"])):
        return _dl_refused("This response was already received (replay).", 400)
    opened = the_lms.close_deep_link(claims.get(Claim.DL_DATA))
    if opened is None:
        return _dl_refused("The data claim does not echo an open request.", 400)

    conf.set_accepted_deeplinking_types(["ltiResourceLink"])
    try:
        items = conf.validate_deeplinking_resp({"JWT": token})
    except Exception as exc:  # noqa: BLE001 - lti1p3platform's own errors
        return _dl_refused(f"Content items refused: {exc}", 400)
    problem = _check_items(items, multiple=opened[1])
    if problem:
        return _dl_refused(problem, 400)
    created = [
        the_lms.add_link(item["title"], item.get("custom"), item.get("lineItem"))
        for item in items
    ]
    the_lms.log(f"deep linking: created {len(created)} link(s)")
    return render_template("sandbox/deep_link_done.html", created=created, lms=the_lms)


def _check_items(items: list[dict[str, Any]], multiple: bool) -> str | None:
    if len(items) > 1 and not multiple:
        return "Several items came back, but one was asked for."
    for item in items:
        if not isinstance(item.get("title"), str) or not item["title"].strip():
            return "A content item has no title."
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(lms().tool_url + "/"):
            return "A content item's url is not on the tool's address."
        custom = item.get("custom", {})
        if not isinstance(custom, dict) or not all(
            isinstance(v, str) for v in custom.values()
        ):
            return "Custom parameters must be strings."
        line = item.get("lineItem")
        if line is not None:
            maximum = line.get("scoreMaximum") if isinstance(line, dict) else None
            if not isinstance(maximum, int | float) or maximum <= 0:
                return "A line item needs a scoreMaximum above 0."
    return None


def _dl_refused(message: str, status: int):
    lms().log(f"deep linking refused: {message}")
    return render_template("sandbox/error.html", message=message), status


# Machine endpoints


@bp.get("/jwks")
def jwks():
    return jsonify(lms().jwks())


def _service_error(exc: ServiceError) -> Response:
    lms().log(f"{request.path}: {exc.status} {exc.error}")
    response = jsonify(exc.body())
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response


@bp.post("/token")
def token():
    try:
        body = issue_token(
            platform_conf(), request.form.to_dict(), external("sandbox.token")
        )
    except ServiceError as exc:
        return _service_error(exc)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _service_response(result: ServiceResponse) -> Response:
    if not 200 <= result.code < 300:
        response = jsonify({"error": result.message})
        response.status_code = result.code
        return response
    data = result.result
    if isinstance(data, dict) and "content" in data:
        data = data["content"]
    response = jsonify(data) if data is not None else Response(status=result.code)
    response.status_code = result.code
    response.mimetype = result.media_type
    if isinstance(result.result, dict) and result.result.get("next"):
        response.headers["Link"] = generate_next_link(result.result["next"])
    return response


def _ags(*scopes: str) -> SandboxAgs:
    conf = platform_conf()
    require_scope(conf, request.headers.get("Authorization", ""), *scopes)
    query = ("page", "limit", "resource_link_id", "resource_id", "tag", "user_id")
    return SandboxAgs(FlaskRequest(request, query), conf, external("sandbox.lineitems"))


READ_ITEMS = (Scope.LINEITEM.value, Scope.LINEITEM_READONLY.value)


@bp.route("/api/lineitems", methods=["GET", "POST"])
def lineitems():
    try:
        if request.method == "GET":
            service = _ags(*READ_ITEMS)
            return _service_response(service.handle_get_lineitems())
        service = _ags(Scope.LINEITEM.value)
        if request.mimetype != LINEITEM_MEDIA_TYPE:
            raise ServiceError(400, "invalid_request", f"send {LINEITEM_MEDIA_TYPE}")
        return _service_response(service.handle_create_lineitem())
    except ServiceError as exc:
        return _service_error(exc)


@bp.route("/api/lineitems/<item_id>", methods=["GET", "PUT", "DELETE"])
def lineitem(item_id: str):
    try:
        if request.method == "GET":
            return _service_response(_ags(*READ_ITEMS).handle_get_lineitem(item_id))
        service = _ags(Scope.LINEITEM.value)
        if request.method == "PUT":
            return _service_response(service.handle_update_lineitem(item_id))
        return _service_response(service.handle_delete_lineitem(item_id))
    except ServiceError as exc:
        return _service_error(exc)


@bp.post("/api/lineitems/<item_id>/scores")
def scores(item_id: str):
    try:
        service = _ags(Scope.SCORE.value)
        if request.mimetype != SCORE_MEDIA_TYPE:
            raise ServiceError(400, "invalid_score", f"send {SCORE_MEDIA_TYPE}")
        validate_score(lms(), service.request.json)
        return _service_response(service.handle_update_score(item_id))
    except ServiceError as exc:
        return _service_error(exc)


@bp.get("/api/lineitems/<item_id>/results")
def results(item_id: str):
    try:
        service = _ags(Scope.RESULT_READONLY.value)
        return _service_response(service.handle_get_results(item_id))
    except ServiceError as exc:
        return _service_error(exc)


@bp.get("/api/memberships")
def memberships():
    try:
        conf = platform_conf()
        require_scope(
            conf, request.headers.get("Authorization", ""), Scope.NRPS_READONLY.value
        )
        query = ("page", "limit", "role", "rlid")
        service = SandboxNrps(
            FlaskRequest(request, query), conf, external("sandbox.memberships")
        )
        return _service_response(service.handle_get_members())
    except ServiceError as exc:
        return _service_error(exc)
