"""The Lambda runtime's side of one invocation, run as a script in a process of its own.

Started in the function's code folder with the function's environment, ahead of its invocation: it readies
what Lambda's Python runtime has ready (boto3 imported, its default session with the endpoint and retry data
loaded), then waits on stdin for the invocation: a first line of JSON (``request_id``, ``deadline_ms``,
``log_stream``, ``result_file``), then the event. It imports the handler ``_HANDLER`` names
(``package/module.function`` or ``package.module.function``), calls it with the event and a context object
as AWS's Python runtime builds it, writes the outcome to ``result_file`` (``{"payload": ...}`` or
``{"error": {errorMessage, errorType, stackTrace}}``, with the process's peak memory) and exits at once.
What the handler prints goes to stdout and stderr: the function's log. This file imports nothing of the
project, so the handler sees only its own code and the environment's packages, as on Lambda.
"""

import importlib
import json
import logging
import os
import resource
import sys
import time
import traceback


class LambdaContext:
    """The ``context`` argument, with the attributes and method AWS's Python runtime gives it."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["_LOCAL_LAMBDA_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def handler_function():
    module_path, _, function_name = os.environ["_HANDLER"].rpartition(".")
    module = importlib.import_module(module_path.replace("/", "."))
    return getattr(module, function_name)


def error_of(error: BaseException) -> dict:
    frames = traceback.extract_tb(error.__traceback__)[1:]  # leave out this file's own call
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_list(frames),
    }


def log_to_stdout(request_id: str) -> None:
    """Lambda's Python runtime gives the root logger a handler that prints each record to the function's
    log as ``[LEVEL]\t<time>\t<request id>\t<message>``."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            f"[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t{request_id}\t%(message)s", "%Y-%m-%dT%H:%M:%S"
        )
    )
    handler.formatter.converter = time.gmtime
    logging.getLogger().addHandler(handler)


def ready_runtime() -> None:
    """What Lambda's Python runtime has done before an invocation arrives."""
    import boto3

    boto3.setup_default_session()  # the session boto3.client() uses
    data_loader = boto3.DEFAULT_SESSION._session.get_component("data_loader")
    for data in ("endpoints", "partitions", "_retry", "sdk-default-configuration"):
        data_loader.load_data(data)


def peak_memory_mb() -> int:
    """The process's own peak memory (``ru_maxrss`` of a child counts its parent's peak before the exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    sys.path.insert(0, os.getcwd())
    ready_runtime()
    invocation = json.loads(sys.stdin.readline())
    request_id = invocation["request_id"]
    os.environ["AWS_LAMBDA_LOG_STREAM_NAME"] = invocation["log_stream"]
    log_to_stdout(request_id)
    event = json.loads(sys.stdin.read() or "{}")
    try:
        function = handler_function()
    except Exception as error:  # an import error is the function's, reported as Lambda reports it
        outcome = {"error": {**error_of(error), "errorType": "Runtime.ImportModuleError"}}
        outcome["error"]["errorMessage"] = f"Unable to import module '{os.environ['_HANDLER']}': {error}"
    else:
        try:
            outcome = {"payload": function(event, LambdaContext(request_id, invocation["deadline_ms"]))}
        except Exception as error:
            outcome = {"error": error_of(error)}
            print(json.dumps({**outcome["error"], "requestId": request_id}))
    outcome["max_memory_mb"] = peak_memory_mb()
    with open(invocation["result_file"], "w") as result:
        try:
            json.dump(outcome, result)
        except TypeError as error:  # a payload that is not JSON
            json.dump({"error": {**error_of(error), "errorType": "Runtime.MarshalError"}}, result)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the invocation is over: no interpreter teardown to wait for (a Lambda process lives on)


if __name__ == "__main__":
    main()
