using System.Runtime.InteropServices;

namespace Tally.Sources;

/// <summary>The runtime's own zlib-ng (the code GZipStream runs): always there, so always the fallback.</summary>
internal sealed unsafe class ZlibInflater : Inflater
{
    /// <summary>The zlib stream, in native memory because zlib keeps pointers into it between calls; zero once disposed.</summary>
    private ZlibNative.ZStream* _z = (ZlibNative.ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZlibNative.ZStream));
    private bool _inMember;

    public override string Name => "zlib-ng (.NET runtime)";

    public override uint AvailableInput => _z->AvailIn;

    public override void SetInput(byte* input, uint length)
    {
        _z->NextIn = input;
        _z->AvailIn = length;
    }

    public override void StartMember()
    {
        // zlib frees a stream's state at the member's end, so each member gets a fresh init.
        int result = ZlibNative.InflateInit2(_z, ZlibNative.GzipWindowBits);
        if (result != ZlibNative.Ok)
        {
            throw new InvalidOperationException($"zlib could not start inflating (code {result}).");
        }

        _inMember = true;
    }

    public override InflateStatus Inflate(byte* output, uint length, out int produced, out string? error)
    {
        _z->NextOut = output;
        _z->AvailOut = length;
        int result = ZlibNative.Inflate(_z, ZlibNative.NoFlush);
        produced = (int)(length - _z->AvailOut);
        error = null;
        switch (result)
        {
            case ZlibNative.StreamEnd:
                // zlib checked the member's CRC-32 and length before it said Z_STREAM_END.
                _ = ZlibNative.InflateEnd(_z);
                _inMember = false;
                return InflateStatus.MemberEnd;
            case ZlibNative.Ok:
            case ZlibNative.BufferError:
                return InflateStatus.Progress;
            default:
                error = result == ZlibNative.NeedDictionary
                    ? "needs a preset dictionary"
                    : _z->Message == null ? $"zlib error {result}" : new string(_z->Message);
                return InflateStatus.Corrupt;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_z != null)
        {
            if (_inMember)
            {
                _ = ZlibNative.InflateEnd(_z);
            }

            NativeMemory.Free(_z);
            _z = null;
        }
    }
}
