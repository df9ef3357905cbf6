"""A stand-in for the Kubeflow Model Registry REST API (v1alpha3), for the tests.

The real registry needs MySQL or PostgreSQL and a Kubernetes-side controller, so it cannot
run on a test machine. This server keeps a small registry in memory (registered models,
model versions, serving environments, InferenceService records) and checks EVERY request it
receives and EVERY answer it gives against the pinned OpenAPI spec with openapi-core. A
request or answer that does not match is recorded as a violation and answered with 599, so
a client that drifts from the spec fails loudly; the tests read the record and assert that
every exchange was validated and none violated the spec.

Control paths under /_standin/ are the test's own and are not validated:
  GET  /_standin/health  -> "ok"
  GET  /_standin/report  -> {"exchanges", "validated", "violations": [...], "requests": [...]}
  POST /_standin/fault   {"method", "path", "status", "apply", "count"}: the next `count`
       matching requests are answered with `status` (an Error body); with `apply` the change
       is made first, as when a proxy loses the registry's answer.

Usage: kubeflow_registry.py --port PORT --spec model-registry.yaml --token TOKEN
       [--max-page-size N]
"""

import argparse
import base64
import json
import sys
import threading
import time

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

BASE = "/api/model_registry/v1alpha3"
# The spec's own server; the stand-in listens on 127.0.0.1 and validates as if it were it.
SPEC_HOST = "http://localhost:8080"


class SpecRequest(WerkzeugOpenAPIRequest):
    @property
    def host_url(self):
        return SPEC_HOST


class Registry:
    """The in-memory registry: one id counter, and creation times that never tie."""

    def __init__(self):
        self.ids = 0
        self.clock = int(time.time() * 1000)
        self.kinds = {"rm": {}, "mv": {}, "se": {}, "is": {}}

    def new(self, kind, fields):
        self.ids += 1
        self.clock += 1
        now = str(self.clock)
        entity = dict(fields)
        entity.update({"id": str(self.ids), "createTimeSinceEpoch": now, "lastUpdateTimeSinceEpoch": now})
        entity.setdefault("customProperties", {})
        self.kinds[kind][entity["id"]] = entity
        return entity

    def update(self, kind, id_, fields):
        entity = self.kinds[kind][id_]
        entity.update(fields)
        self.clock += 1
        entity["lastUpdateTimeSinceEpoch"] = str(self.clock)
        return entity

    def find(self, kind, **match):
        for entity in self.kinds[kind].values():
            if all(entity.get(k) == v for k, v in match.items() if v is not None):
                return entity
        return None

    def all(self, kind, **match):
        return [e for e in self.kinds[kind].values() if all(e.get(k) == v for k, v in match.items())]


def error(status, message):
    code = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict"}.get(status, "Server Error")
    return status, {"code": code, "message": message}


class StandIn:
    def __init__(self, spec_path, token, max_page_size):
        self.openapi = OpenAPI.from_file_path(spec_path)
        self.token = token
        self.max_page_size = max_page_size
        self.registry = Registry()
        self.lock = threading.Lock()
        self.exchanges = 0
        self.validated = 0
        self.violations = []
        self.requests = []
        self.faults = []

    # -- the WSGI app --------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            if request.path.startswith("/_standin/"):
                response = self.control(request)
            else:
                response = self.exchange(request)
        return response(environ, start_response)

    def control(self, request):
        if request.path == "/_standin/health":
            return Response("ok", 200)
        if request.path == "/_standin/report":
            report = {
                "exchanges": self.exchanges,
                "validated": self.validated,
                "violations": self.violations,
                "requests": self.requests,
            }
            return Response(json.dumps(report), 200, content_type="application/json")
        if request.path == "/_standin/fault" and request.method == "POST":
            fault = json.loads(request.get_data())
            fault.setdefault("count", 1)
            fault.setdefault("apply", False)
            self.faults.append(fault)
            return Response("{}", 200, content_type="application/json")
        return Response("no such control path", 404)

    def exchange(self, request):
        self.exchanges += 1
        body = request.get_data()
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "body": body.decode("utf-8", "replace"),
            }
        )
        spec_request = SpecRequest(request)
        try:
            self.openapi.validate_request(spec_request)
        except Exception as e:  # every validation failure, whatever its class
            return self.violation("request", request, e)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            status, answer = error(401, "a valid bearer token is required")
        else:
            status, answer = self.answer(request, body)
        response = Response(json.dumps(answer), status, content_type="application/json")
        try:
            self.openapi.validate_response(spec_request, WerkzeugOpenAPIResponse(response))
        except Exception as e:
            return self.violation("response", request, e)
        self.validated += 1
        return response

    def violation(self, side, request, e):
        detail = f"{type(e).__name__}: {e}"
        cause = getattr(e, "__cause__", None)
        if cause is not None:
            detail += f" ({type(cause).__name__}: {cause})"
        self.violations.append({"side": side, "method": request.method, "path": request.path, "error": detail})
        print(f"spec violation ({side}) {request.method} {request.full_path}: {detail}", file=sys.stderr, flush=True)
        return Response(f"OpenAPI violation ({side}): {detail}\n", 599, content_type="text/plain")

    # -- the API ---------------------------------------------------------------------------

    def answer(self, request, body):
        for fault in self.faults:
            if fault["count"] > 0 and fault["method"] == request.method and fault["path"] == request.path:
                fault["count"] -= 1
                if fault["apply"]:
                    self.route(request, body)
                return error(fault["status"], "injected fault")
        return self.route(request, body)

    def route(self, request, body):
        path = request.path
        if not path.startswith(BASE + "/"):
            return error(404, "not found")
        parts = path[len(BASE) + 1 :].split("/")
        method = request.method
        args = request.args
        data = json.loads(body) if body else {}
        r = self.registry
        match (method, parts):
            case ("GET", ["registered_model"]):
                return self.found(r.find("rm", name=args.get("name"), externalId=args.get("externalId")))
            case ("GET", ["registered_models"]):
                return self.page(r.all("rm"), args)
            case ("POST", ["registered_models"]):
                if r.find("rm", name=data["name"]):
                    return error(409, f"registered model {data['name']} exists")
                return 201, r.new("rm", dict(data, state=data.get("state", "LIVE")))
            case ("GET", ["registered_models", id_]):
                return self.found(r.kinds["rm"].get(id_))
            case ("GET", ["registered_models", id_, "versions"]):
                if id_ not in r.kinds["rm"]:
                    return error(404, f"no registered model {id_}")
                return self.page(r.all("mv", registeredModelId=id_), args)
            case ("POST", ["registered_models", id_, "versions"]):
                if id_ not in r.kinds["rm"]:
                    return error(404, f"no registered model {id_}")
                if r.find("mv", registeredModelId=id_, name=data["name"]):
                    return error(409, f"version {data['name']} exists")
                return 201, r.new("mv", dict(data, registeredModelId=id_, state=data.get("state", "LIVE")))
            case ("GET", ["model_version"]):
                found = r.find("mv", name=args.get("name"), registeredModelId=args.get("parentResourceId"))
                return self.found(found)
            case ("GET", ["model_versions"]):
                return self.page(r.all("mv"), args)
            case ("GET", ["model_versions", id_]):
                return self.found(r.kinds["mv"].get(id_))
            case ("GET", ["serving_environment"]):
                return self.found(r.find("se", name=args.get("name")))
            case ("POST", ["serving_environments"]):
                return 201, r.new("se", data)
            case ("GET", ["serving_environments", id_, "inference_services"]):
                if id_ not in r.kinds["se"]:
                    return error(404, f"no serving environment {id_}")
                return self.page(r.all("is", servingEnvironmentId=id_), args)
            case ("POST", ["serving_environments", id_, "inference_services"]):
                return self.create_inference_service(dict(data, servingEnvironmentId=id_), 201)
            case ("GET", ["inference_services"]):
                return self.page(r.all("is"), args)
            case ("POST", ["inference_services"]):
                return self.create_inference_service(data, 200)
            case ("GET", ["inference_services", id_]):
                return self.found(r.kinds["is"].get(id_))
            case ("PATCH", ["inference_services", id_]):
                if id_ not in r.kinds["is"]:
                    return error(404, f"no inference service {id_}")
                target = data.get("modelVersionId")
                if target is not None and target not in r.kinds["mv"]:
                    return error(400, f"no model version {target}")
                return 200, r.update("is", id_, data)
        return error(404, f"{method} {path} is not served by this stand-in")

    def create_inference_service(self, data, status):
        r = self.registry
        if data["servingEnvironmentId"] not in r.kinds["se"]:
            return error(404, "no such serving environment")
        if data["registeredModelId"] not in r.kinds["rm"]:
            return error(404, "no such registered model")
        return status, r.new("is", dict(data, desiredState=data.get("desiredState", "DEPLOYED")))

    def found(self, entity):
        return (200, entity) if entity is not None else error(404, "not found")

    def page(self, items, args):
        size = min(int(args.get("pageSize", "100")), self.max_page_size)
        start = int(base64.b64decode(args["nextPageToken"]).decode()) if args.get("nextPageToken") else 0
        chunk = items[start : start + size]
        more = start + size < len(items)
        token = base64.b64encode(str(start + size).encode()).decode() if more else ""
        return 200, {"items": chunk, "size": len(chunk), "pageSize": size, "nextPageToken": token}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--max-page-size", type=int, default=100)
    args = parser.parse_args()
    app = StandIn(args.spec, args.token, args.max_page_size)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    print(f"kubeflow registry stand-in on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
