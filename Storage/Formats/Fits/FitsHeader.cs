using System.Globalization;
using System.Text;

namespace ScoreBatch.Storage.Formats.Fits;

/// <summary>
/// The cards of one FITS header, parsed in managed code from its 2880-byte blocks (FITS 4.0, section 4). Only what
/// the structure check needs: the keyword of every card in order, and integer, logical and string values. The first
/// occurrence of a keyword wins, as in astropy (<c>header['EXTNAME']</c>) and CFITSIO (a search from the top).
/// </summary>
internal sealed class FitsHeader
{
    /// <summary>Bytes per header or data block.</summary>
    internal const int BlockSize = 2880;

    /// <summary>Bytes per card.</summary>
    internal const int CardSize = 80;

    private readonly List<string> _cards;
    private readonly string _file;
    private readonly int _hdu;

    private FitsHeader(List<string> cards, string file, int hdu)
    {
        _cards = cards;
        _file = file;
        _hdu = hdu;
    }

    /// <summary>Header bytes including the block holding END (a multiple of 2880).</summary>
    internal long Length { get; private init; }

    /// <summary>Number of cards before END.</summary>
    internal int Count => _cards.Count;

    /// <summary>
    /// Reads the header that starts at <paramref name="offset"/>: whole 2880-byte blocks up to the one holding END.
    /// </summary>
    /// <exception cref="CutoutFormatException">No END card before the end of the file, or a block is cut short.</exception>
    internal static FitsHeader Read(ReadOnlySpan<byte> bytes, long offset, string file, int hdu)
    {
        var cards = new List<string>();
        long at = offset;
        while (true)
        {
            if (bytes.Length - at < BlockSize)
                throw new CutoutFormatException(file, $"HDU {hdu}: header is truncated: no END card in the {bytes.Length - offset} bytes from offset {offset} to the end of the file");
            var block = bytes.Slice((int)at, BlockSize);
            at += BlockSize;
            for (int c = 0; c < BlockSize; c += CardSize)
            {
                var raw = block.Slice(c, CardSize);
                int bad = raw.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E);
                if (bad >= 0)
                    throw new CutoutFormatException(file, $"HDU {hdu}: header card {cards.Count + 1} holds the byte 0x{raw[bad]:X2}, "
                        + "but a FITS header is printable ASCII text only (FITS 4.0 4.1.1): the header is corrupt or its END card is missing");
                var card = Encoding.Latin1.GetString(raw);
                if (card.StartsWith("END     ", StringComparison.Ordinal))
                    return new FitsHeader(cards, file, hdu) { Length = at - offset };
                cards.Add(card);
            }
        }
    }

    /// <summary>The keyword of card <paramref name="index"/> (columns 1-8, trailing spaces removed).</summary>
    internal string KeywordAt(int index) => index < _cards.Count ? _cards[index][..8].TrimEnd() : "END";

    /// <summary>
    /// The integer value of the mandatory keyword <paramref name="key"/>, which must be card <paramref name="index"/>
    /// (FITS 4.0 4.4.1 fixes the order of SIMPLE/XTENSION, BITPIX, NAXIS, NAXISn, PCOUNT, GCOUNT; CFITSIO reads them
    /// by position, so a value found elsewhere would not be the one CFITSIO uses).
    /// </summary>
    internal long MandatoryInteger(int index, string key)
    {
        if (KeywordAt(index) != key)
            throw Refuse(key, $"card {index + 1} is '{KeywordAt(index)}' where the standard requires {key}");
        return ParseInteger(_cards[index], key) ?? throw Refuse(key, $"{key} = {ValueText(_cards[index])} is not an integer");
    }

    /// <summary>The integer value of the first card named <paramref name="key"/>, or null when there is none.</summary>
    internal long? Integer(string key)
    {
        var card = Find(key);
        if (card is null) return null;
        return ParseInteger(card, key) ?? throw Refuse(key, $"{key} = {ValueText(card)} is not an integer");
    }

    /// <summary>The real value of the first card named <paramref name="key"/>, or null when there is none or it is not a number.</summary>
    internal double? Real(string key) =>
        Find(key) is { } card && double.TryParse(ValueText(card), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;

    /// <summary>True when a card named <paramref name="key"/> with a value exists.</summary>
    internal bool Has(string key) => Find(key) is not null;

    /// <summary>True for a first card named <paramref name="key"/> with the logical value T.</summary>
    internal bool IsTrue(string key) => Find(key) is { } card && ValueText(card) == "T";

    /// <summary>The string value of the first card named <paramref name="key"/> (quotes removed, '' unescaped, trailing spaces trimmed).</summary>
    internal string? String(string key) => Find(key) is { } card ? StringValue(card) : null;

    /// <summary>The string values of every card named <paramref name="key"/>, in header order.</summary>
    internal List<string> Strings(string key) =>
        _cards.Where(c => IsNamed(c, key)).Select(StringValue).OfType<string>().ToList();

    private static string? StringValue(string card)
    {
        var text = card[10..].TrimStart();
        if (text.Length == 0 || text[0] != '\'') return null;
        var value = new StringBuilder();
        for (int i = 1; i < text.Length; i++)
        {
            if (text[i] != '\'') { value.Append(text[i]); continue; }
            if (i + 1 < text.Length && text[i + 1] == '\'') { value.Append('\''); i++; continue; }
            break;
        }
        return value.ToString().TrimEnd();
    }

    /// <summary>A refusal naming the file, this HDU and <paramref name="key"/>.</summary>
    internal CutoutFormatException Refuse(string key, string message) =>
        new(_file, $"HDU {_hdu}: {key}: {message}");

    private string? Find(string key)
    {
        foreach (var card in _cards)
            if (IsNamed(card, key))
                return card;
        return null;
    }

    private static bool IsNamed(string card, string key) => card[8] == '=' && card[9] == ' ' && card[..8].TrimEnd() == key;

    /// <summary>The value field of a card: columns 11-80 up to a comment's '/', trimmed.</summary>
    private static string ValueText(string card)
    {
        if (card.Length < 10 || card[8] != '=' || card[9] != ' ') return "(no value)";
        var value = card[10..];
        int slash = value.IndexOf('/', StringComparison.Ordinal);
        return (slash >= 0 ? value[..slash] : value).Trim();
    }

    private long? ParseInteger(string card, string key)
    {
        var text = ValueText(card);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
        {
            // A well-formed integer too large for 64 bits still names what is wrong.
            if (text.Length > 0 && text.TrimStart('+', '-').All(char.IsAsciiDigit))
                throw Refuse(key, $"{key} = {text} does not fit in 64 bits");
            return null;
        }
        return v;
    }
}
