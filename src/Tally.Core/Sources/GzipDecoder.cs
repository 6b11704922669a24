using System.Runtime.InteropServices;

namespace Tally.Sources;

/// <summary>
/// Decompresses a gzip stream of one or more concatenated members, and fails loudly where
/// <see cref="System.IO.Compression.GZipStream"/> is silent: a stream cut short inside a member,
/// or bytes after a member that are not another member.
/// </summary>
/// <remarks>
/// Every failure is an <see cref="InvalidDataException"/> naming the compressed byte offset.
/// CRC-32 and length of each member are checked by zlib at the member's end.
/// Not thread-safe: one decoder belongs to one reader.
/// </remarks>
internal sealed class GzipDecoder : ReadOnlyStream
{
    /// <summary>Compressed bytes per read: big enough to make reads cheap, small enough to stay in L2 with the output.</summary>
    private const int InputSize = 128 << 10;

    private readonly Stream _inner;

    /// <summary>Pinned, because zlib keeps a pointer into it between calls.</summary>
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(InputSize, pinned: true);

    /// <summary>The zlib stream, in native memory so its address never moves; zero once disposed.</summary>
    private nint _handle;
    private int _inputLength;
    private long _consumedBeforeInput;
    private bool _innerEnded;
    private bool _inMember;
    private bool _finished;

    public GzipDecoder(Stream inner)
    {
        _inner = inner;
        unsafe
        {
            _handle = (nint)NativeMemory.AllocZeroed((nuint)sizeof(ZlibNative.ZStream));
        }
    }

    /// <summary>Compressed bytes consumed by the inflater so far.</summary>
    public unsafe long CompressedOffset => _consumedBeforeInput + (_inputLength - (_handle == 0 ? 0 : Z->AvailIn));

    private unsafe ZlibNative.ZStream* Z => (ZlibNative.ZStream*)_handle;

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (NeedsInput())
            {
                Refill(_inner.Read(_input, 0, _input.Length));
                continue;
            }

            if (Step(buffer, out int produced))
            {
                return produced;
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (NeedsInput())
            {
                Refill(await _inner.ReadAsync(_input, cancellationToken).ConfigureAwait(false));
                continue;
            }

            if (Step(buffer.Span, out int produced))
            {
                return produced;
            }
        }
    }

    private unsafe bool NeedsInput() => !_finished && !_innerEnded && Z->AvailIn == 0;

    private unsafe void Refill(int read)
    {
        _consumedBeforeInput += _inputLength;
        _inputLength = read;
        if (read == 0)
        {
            _innerEnded = true;
        }

        fixed (byte* input = _input)
        {
            Z->NextIn = input;
        }

        Z->AvailIn = (uint)read;
    }

    /// <summary>Inflates once; true when the call has an answer (bytes, or 0 for the end).</summary>
    private unsafe bool Step(Span<byte> output, out int produced)
    {
        produced = 0;
        if (_finished || output.IsEmpty)
        {
            return true;
        }

        if (!_inMember)
        {
            if (Z->AvailIn == 0)
            {
                // Only reached once the inner stream has ended: a clean end between members.
                _finished = true;
                return true;
            }

            StartMember();
        }

        int result;
        fixed (byte* destination = output)
        {
            Z->NextOut = destination;
            Z->AvailOut = (uint)output.Length;
            result = ZlibNative.Inflate(Z, ZlibNative.NoFlush);
            produced = output.Length - (int)Z->AvailOut;
        }

        switch (result)
        {
            case ZlibNative.StreamEnd:
                EndMember();
                return produced > 0;
            case ZlibNative.Ok:
            case ZlibNative.BufferError:
                if (produced > 0)
                {
                    return true;
                }

                if (Z->AvailIn == 0 && _innerEnded)
                {
                    throw new InvalidDataException($"truncated gzip: the data ends inside a member at compressed byte {CompressedOffset:N0}");
                }

                return false;
            default:
                throw new InvalidDataException($"corrupt gzip data at compressed byte {CompressedOffset:N0}: {Message(result)}");
        }
    }

    private unsafe void StartMember()
    {
        int result = ZlibNative.InflateInit2(Z, ZlibNative.GzipWindowBits);
        if (result != ZlibNative.Ok)
        {
            throw new InvalidOperationException($"zlib could not start inflating (code {result}).");
        }

        _inMember = true;
    }

    private unsafe void EndMember()
    {
        // The member's CRC-32 and length matched (zlib checks them before Z_STREAM_END). What
        // follows must be another member or nothing; zlib rejects anything else as a bad header.
        _ = ZlibNative.InflateEnd(Z);
        _inMember = false;
    }

    private unsafe string Message(int code)
    {
        string? text = Z->Message == null ? null : new string(Z->Message);
        return code == ZlibNative.NeedDictionary ? "needs a preset dictionary" : text ?? $"zlib error {code}";
    }

    protected override unsafe void Dispose(bool disposing)
    {
        if (_handle != 0)
        {
            if (_inMember)
            {
                _ = ZlibNative.InflateEnd(Z);
            }

            NativeMemory.Free(Z);
            _handle = 0;
        }

        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
