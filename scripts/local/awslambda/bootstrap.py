"""The Lambda runtime's side of one invocation, run as a script in a process of its own.

Started in the function's code folder with the function's environment: reads the event (JSON) from stdin,
imports the handler ``_HANDLER`` names (``package/module.function`` or ``package.module.function``), calls it
with the event and a context object as AWS's Python runtime builds it, and writes the outcome to the file
``_LOCAL_LAMBDA_RESULT`` names: ``{"payload": ...}`` or ``{"error": {errorMessage, errorType, stackTrace}}``,
with the process's peak memory.
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

RESULT_FILE = "_LOCAL_LAMBDA_RESULT"
DEADLINE = "_LOCAL_LAMBDA_DEADLINE_MS"


class LambdaContext:
    """The ``context`` argument, with the attributes and method AWS's Python runtime gives it."""

    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = os.environ["_LOCAL_LAMBDA_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(os.environ[DEADLINE]) - int(time.time() * 1000))


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


def main() -> None:
    sys.path.insert(0, os.getcwd())
    log_to_stdout(os.environ["_LOCAL_LAMBDA_REQUEST_ID"])
    event = json.loads(sys.stdin.read() or "{}")
    try:
        function = handler_function()
    except Exception as error:  # an import error is the function's, reported as Lambda reports it
        outcome = {"error": {**error_of(error), "errorType": "Runtime.ImportModuleError"}}
        outcome["error"]["errorMessage"] = f"Unable to import module '{os.environ['_HANDLER']}': {error}"
    else:
        try:
            outcome = {"payload": function(event, LambdaContext(os.environ["_LOCAL_LAMBDA_REQUEST_ID"]))}
        except Exception as error:
            outcome = {"error": error_of(error)}
            print(json.dumps({**outcome["error"], "requestId": os.environ["_LOCAL_LAMBDA_REQUEST_ID"]}))
    sys.stdout.flush()
    outcome["max_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with open(os.environ[RESULT_FILE], "w") as result:
        try:
            json.dump(outcome, result)
        except TypeError as error:  # a payload that is not JSON
            json.dump({"error": {**error_of(error), "errorType": "Runtime.MarshalError"}}, result)


if __name__ == "__main__":
    main()
