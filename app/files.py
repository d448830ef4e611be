"""Files written whole: a reader never sees half a file, and two processes writing one name agree on it."""

import os
import tempfile
from pathlib import Path


def write_once(path: Path, data: bytes) -> bytes:
    """Write `path` unless another process got there first; either way return what the file holds.

    For files whose name stands for their content (a hash, a card's print), so the first writer's bytes
    are as good as anyone's. The data goes to a temporary file in the same folder, then is linked in whole.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.link(temporary, path)
    except FileExistsError:
        return path.read_bytes()
    finally:
        os.unlink(temporary)
    return data
