using System.Runtime.InteropServices;

namespace Tally.Sources;

/// <summary>
/// Decompresses a gzip stream of one or more concatenated members, and fails loudly where
/// <see cref="System.IO.Compression.GZipStream"/> is silent: a stream cut short inside a member,
/// or bytes after a member that are not another member.
/// </summary>
/// <remarks>
/// Every failure is an <see cref="InvalidDataException"/> naming the compressed byte offset.
/// The <see cref="Inflater"/> checks each member's CRC-32 and length at its end; this class owns
/// the framing, so ISA-L and zlib-ng fail alike. Not thread-safe: one decoder belongs to one reader.
/// </remarks>
internal sealed class GzipDecoder : ReadOnlyStream
{
    /// <summary>Compressed bytes per read: big enough to make reads cheap, small enough to stay in L2 with the output.</summary>
    private const int InputSize = 128 << 10;

    private readonly Stream _inner;

    /// <summary>Pinned, because the inflater keeps a pointer into it between calls.</summary>
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(InputSize, pinned: true);

    /// <summary>The engine chosen for this process (ISA-L when installed).</summary>
    private readonly Inflater _primary;

    /// <summary>zlib-ng, for members ISA-L cannot read: created on the first such member.</summary>
    private Inflater? _fallback;

    /// <summary>The engine of the current member.</summary>
    private Inflater _inflater;

    /// <summary>Between members, the next header's flag byte is not in the buffer yet: keep the bytes there and read more.</summary>
    private bool _needHeaderBytes;
    private int _inputLength;
    private long _consumedBeforeInput;
    private bool _innerEnded;
    private bool _inMember;
    private bool _afterMember;
    private bool _finished;

    /// <summary>Decodes <paramref name="inner"/> with <paramref name="inflater"/>, or with <see cref="CreateInflater"/>'s choice.</summary>
    public GzipDecoder(Stream inner, Inflater? inflater = null)
    {
        _inner = inner;
        _primary = inflater ?? CreateInflater();
        _inflater = _primary;
    }

    /// <summary>Compressed bytes consumed by the inflater so far.</summary>
    public long CompressedOffset => _consumedBeforeInput + (_inputLength - _inflater.AvailableInput);

    /// <summary>The engine this process uses, and why, for the verbose log.</summary>
    public static string EngineDescription => Choose().Description;

    /// <summary>
    /// ISA-L when it is installed and passed its check, else the runtime's zlib-ng. The variable
    /// <c>TALLY_INFLATE</c> pins one: <c>zlib</c>, or <c>isal</c> (an error when it is unavailable).
    /// </summary>
    public static Inflater CreateInflater()
    {
        var (api, description) = Choose();
        return api is not null ? new IsalInflater(api)
            : string.Equals(Environment.GetEnvironmentVariable("TALLY_INFLATE"), "isal", StringComparison.OrdinalIgnoreCase)
                ? throw new InvalidOperationException($"TALLY_INFLATE=isal, but ISA-L cannot be used: {description}")
                : new ZlibInflater();
    }

    /// <summary>The one place the engine is chosen: ISA-L's entry points (null for zlib-ng) and why.</summary>
    private static (Isal.Api? Api, string Description) Choose()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("TALLY_INFLATE"), "zlib", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "zlib-ng (TALLY_INFLATE=zlib)");
        }

        var api = Isal.TryGet(out string why);
        return api is not null ? (api, "ISA-L (libisal.so.2)") : (null, $"zlib-ng ({why})");
    }

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (NeedsInput())
            {
                int keep = Kept();
                Refill(keep, _inner.Read(_input, keep, _input.Length - keep));
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
                int keep = Kept();
                Refill(keep, await _inner.ReadAsync(_input.AsMemory(keep), cancellationToken).ConfigureAwait(false));
                continue;
            }

            if (Step(buffer.Span, out int produced))
            {
                return produced;
            }
        }
    }

    private bool NeedsInput() => !_finished && !_innerEnded && (_inflater.AvailableInput == 0 || _needHeaderBytes);

    /// <summary>Bytes at the end of the buffer to keep, at its start, under the next read: a header cut by the buffer's end.</summary>
    private int Kept()
    {
        if (!_needHeaderBytes)
        {
            return 0;
        }

        int available = (int)_inflater.AvailableInput;
        _input.AsSpan(_inputLength - available, available).CopyTo(_input);
        return available;
    }

    private unsafe void Refill(int kept, int read)
    {
        _consumedBeforeInput += _inputLength - kept;
        _inputLength = kept + read;
        _needHeaderBytes = false;
        if (read == 0)
        {
            _innerEnded = true;
        }

        _inflater.SetInput((byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_input, 0), (uint)_inputLength);
    }

    /// <summary>Picks the engine for the member starting at the unread input: ISA-L, unless the header carries a CRC (FHCRC).</summary>
    /// <remarks>
    /// ISA-L 2.30 rejects a valid header CRC as "incorrect data check" (a file that <c>gzip -t</c>
    /// and zlib accept), so such a member is inflated with zlib-ng. Returns false when the flag
    /// byte is not read yet: the caller reads more, keeping the bytes it has.
    /// </remarks>
    private unsafe bool ChooseEngine()
    {
        uint available = _inflater.AvailableInput;
        if (available < 4 && !_innerEnded)
        {
            _needHeaderBytes = true;
            return false;
        }

        int start = _inputLength - (int)available;
        bool headerCrc = available >= 4 && (_input[start + 3] & 0x02) != 0;
        var engine = headerCrc && _primary is IsalInflater ? _fallback ??= new ZlibInflater() : _primary;
        if (!ReferenceEquals(engine, _inflater))
        {
            _inflater = engine;
            _inflater.SetInput((byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_input, start), available);
        }

        return true;
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
            uint available = _inflater.AvailableInput;
            if (available == 0)
            {
                // Only reached once the inner stream has ended: a clean end between members.
                _finished = true;
                return true;
            }

            // What follows a member must be another one. Checked here, not left to the engine:
            // ISA-L would wait for a whole header and call a few stray bytes a truncation.
            if (_afterMember && _input[_inputLength - (int)available] != 0x1f)
            {
                throw new InvalidDataException($"corrupt gzip data at compressed byte {CompressedOffset:N0}: bytes after the last member are not another gzip member");
            }

            if (!ChooseEngine())
            {
                return false;
            }

            _inflater.StartMember();
            _inMember = true;
        }

        uint before = _inflater.AvailableInput;
        InflateStatus status;
        string? error;
        fixed (byte* destination = output)
        {
            status = _inflater.Inflate(destination, (uint)output.Length, out produced, out error);
        }

        switch (status)
        {
            case InflateStatus.MemberEnd:
                _inMember = false;
                _afterMember = true;
                return produced > 0;
            case InflateStatus.Progress:
                if (produced > 0)
                {
                    return true;
                }

                if (_inflater.AvailableInput == 0 && _innerEnded)
                {
                    throw new InvalidDataException($"truncated gzip: the data ends inside a member at compressed byte {CompressedOffset:N0}");
                }

                // Guard against a spin: with room to write and input to read, an engine must
                // consume or produce something on every call.
                if (_inflater.AvailableInput == before)
                {
                    throw new InvalidOperationException($"{_inflater.Name} made no progress at compressed byte {CompressedOffset:N0}");
                }

                return false;
            default:
                throw new InvalidDataException($"corrupt gzip data at compressed byte {CompressedOffset:N0}: {error}");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The inflater frees its native state in its own finalizer otherwise.
            _primary.Dispose();
            _fallback?.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
