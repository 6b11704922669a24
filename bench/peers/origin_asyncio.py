"""The origin's design: asyncio reads every file at once, a process pool maps chunks, reduce merges.

This is the program described in the source article ("combining multiprocessing and asyncio in
Python"), kept as it was designed so Tally is measured against it, not against a tuned rewrite:

1. read_file / get_all_file_content: aiofiles reads all files concurrently; all lines go into
   one list. The article reads plain text; .gz inputs are read as bytes and gzip.decompress-ed.
2. partition: the list is cut into chunks of --chunk-size lines.
3. map_resource in a ProcessPoolExecutor (max_workers = os.cpu_count()) through
   loop.run_in_executor, one call per chunk; asyncio.gather collects the partial dicts.
4. functools.reduce(merge_resource, ...) merges them into one dict in the main process.
5. The total of --word is printed; --out writes `ngram TAB total` for every ngram.

tqdm shows progress, as in the article, but only when stderr is a terminal.

Run with Debian's Python and its packages: /usr/bin/python3 with python3-aiofiles, python3-tqdm.
"""

import argparse
import asyncio
import functools
import gzip
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, Iterator, List

import aiofiles
from tqdm import tqdm

SHOW_PROGRESS = sys.stderr.isatty()


async def read_file(path: str) -> List[str]:
    if path.endswith(".gz"):
        async with aiofiles.open(path, mode="rb") as f:
            data = await f.read()
        text = gzip.decompress(data).decode("utf-8")
    else:
        async with aiofiles.open(path, mode="r", encoding="utf-8") as f:
            text = await f.read()
    return text.splitlines()


async def get_all_file_content(paths: List[str]) -> List[str]:
    tasks = [asyncio.create_task(read_file(path)) for path in paths]
    contents: List[str] = []
    with tqdm(total=len(paths), desc="reading", unit="file", disable=not SHOW_PROGRESS) as bar:
        for lines in await asyncio.gather(*tasks):
            contents.extend(lines)
            bar.update(1)
    return contents


def partition(contents: List[str], partition_size: int) -> Iterator[List[str]]:
    for start in range(0, len(contents), partition_size):
        yield contents[start:start + partition_size]


def map_resource(chunk: List[str]) -> Dict[str, int]:
    result: Dict[str, int] = {}
    for line in chunk:
        word, _, count, _ = line.split("\t")
        if word in result:
            result[word] = result[word] + int(count)
        else:
            result[word] = int(count)
    return result


async def map_with_process(chunks: Iterator[List[str]]) -> List[Dict[str, int]]:
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        futures = [loop.run_in_executor(pool, functools.partial(map_resource, chunk)) for chunk in chunks]
        with tqdm(total=len(futures), desc="mapping", unit="chunk", disable=not SHOW_PROGRESS) as bar:
            for future in futures:
                future.add_done_callback(lambda _: bar.update(1))
            return await asyncio.gather(*futures)


def merge_resource(first: Dict[str, int], second: Dict[str, int]) -> Dict[str, int]:
    for word, count in second.items():
        if word in first:
            first[word] = first[word] + count
        else:
            first[word] = count
    return first


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--word", help="print `WORD TAB total`")
    parser.add_argument("--out", help="write `ngram TAB total` for every ngram to this file")
    parser.add_argument("--chunk-size", type=int, default=60000, help="lines per map task (default 60000)")
    args = parser.parse_args()

    contents = await get_all_file_content(args.files)
    results = await map_with_process(partition(contents, args.chunk_size))
    final = functools.reduce(merge_resource, results) if results else {}

    if args.word is not None:
        print(f"{args.word}\t{final.get(args.word, 0)}")
    if args.out is not None:
        with open(args.out, "w", encoding="utf-8", newline="\n") as out:
            for word, total in final.items():
                out.write(f"{word}\t{total}\n")


if __name__ == "__main__":
    asyncio.run(main())
