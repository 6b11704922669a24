using System.Runtime.InteropServices;

namespace Tally.Sources;

/// <summary>
/// Intel's ISA-L inflate (<c>libisal.so.2</c>, Debian's <c>libisal2</c>), about twice as fast as
/// zlib-ng on this data; used when the library is installed and passes <see cref="Isal.Load"/>'s check.
/// </summary>
/// <remarks>
/// ISA-L parses the gzip header and checks the trailer itself (<c>crc_flag = ISAL_GZIP</c>), and
/// stops at the member's end with the next member's bytes unconsumed, which is what the decoder's
/// framing needs. Its state is one flat struct that the caller allocates; see <see cref="Isal"/>.
/// </remarks>
internal sealed unsafe class IsalInflater : Inflater
{
    private readonly Isal.Api _api;
    private byte* _state;
    private bool _started;

    public IsalInflater(Isal.Api api)
    {
        _api = api;
        _state = (byte*)NativeMemory.AlignedAlloc(Isal.Allocation, 64);
        NativeMemory.Clear(_state, Isal.Allocation);
        _api.Init(_state);
        Isal.Field<uint>(_state, Isal.CrcFlagOffset) = Isal.GzipFlag;
    }

    public override string Name => "ISA-L (libisal.so.2)";

    public override uint AvailableInput => Isal.Field<uint>(_state, Isal.AvailInOffset);

    public override void SetInput(byte* input, uint length)
    {
        Isal.Field<nint>(_state, Isal.NextInOffset) = (nint)input;
        Isal.Field<uint>(_state, Isal.AvailInOffset) = length;
    }

    public override void StartMember()
    {
        if (_started)
        {
            // Reset keeps the input pointers and starts a new gzip header; the flag is set again
            // rather than trusting reset to keep it.
            _api.Reset(_state);
            Isal.Field<uint>(_state, Isal.CrcFlagOffset) = Isal.GzipFlag;
        }

        _started = true;
    }

    public override InflateStatus Inflate(byte* output, uint length, out int produced, out string? error)
    {
        Isal.Field<nint>(_state, Isal.NextOutOffset) = (nint)output;
        Isal.Field<uint>(_state, Isal.AvailOutOffset) = length;
        int result = _api.Inflate(_state);
        produced = (int)(length - Isal.Field<uint>(_state, Isal.AvailOutOffset));
        error = null;
        if (result < 0)
        {
            error = Isal.Describe(result);
            return InflateStatus.Corrupt;
        }

        return Isal.Field<int>(_state, Isal.BlockStateOffset) == Isal.BlockFinish ? InflateStatus.MemberEnd : InflateStatus.Progress;
    }

    protected override void Dispose(bool disposing)
    {
        if (_state != null)
        {
            NativeMemory.AlignedFree(_state);
            _state = null;
        }
    }
}
