"""The one Django view: translate, call ``WebApp.handle``, translate back.

urlpatterns = [re_path(r"^(?P<subpath>.*)$", dispatch)]
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from labelcore._numbers import ascii_int
from labelcore.errors import TooLarge
from labelcore.web.http import Headers, MultiDict, Request, Response, UploadedFile
from labelcore_django.conf import get_web


@csrf_exempt  # type: ignore[untyped-decorator]  # labelcore runs Django's CSRF check itself, skipping token-authenticated calls
def dispatch(request: HttpRequest, subpath: str = "") -> HttpResponse | StreamingHttpResponse:
    web = get_web()
    full = request.path
    mount = full[: len(full) - len(subpath)] if subpath else full
    rel = "/" + subpath

    def parse_form() -> tuple[MultiDict, list[UploadedFile]]:
        try:
            request.POST  # noqa: B018 - parse now, inside the size guard
        except (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent) as exc:
            raise TooLarge(f"request form is over Django's upload limits: {exc}") from exc
        form = MultiDict((k, v) for k in request.POST for v in request.POST.getlist(k))
        files = [
            UploadedFile(
                field=k, filename=f.name or "", content_type=f.content_type or "", stream=f.file
            )
            for k in request.FILES
            for f in request.FILES.getlist(k)
        ]
        return form, files

    length = request.META.get("CONTENT_LENGTH")
    req = Request(
        method=request.method or "GET",
        path=rel,
        script_root=mount.rstrip("/"),
        query=MultiDict((k, v) for k in request.GET for v in request.GET.getlist(k)),
        headers=Headers(request.headers.items()),
        cookies=dict(request.COOKIES),
        stream=request,  # HttpRequest is file-like (read)
        content_length=ascii_int(length) if length else None,
        form_parser=parse_form,
        native=request,
        scheme=request.scheme or "http",
    )
    return _to_django(web.handle(req))


def _to_django(resp: Response) -> HttpResponse | StreamingHttpResponse:
    out: HttpResponse | StreamingHttpResponse
    if isinstance(resp.body, bytes):
        out = HttpResponse(resp.body, status=resp.status)
    else:
        # as it is: Django calls its close() when the response ends or the client is gone
        out = StreamingHttpResponse(resp.body, status=resp.status)
    headers: Headers = resp.headers
    if "Content-Type" not in headers:
        del out["Content-Type"]
    for name, value in headers.items():
        if name.lower() == "set-cookie":
            out.cookies.load(SimpleCookie(value))
        else:
            out[name] = value
    return out
