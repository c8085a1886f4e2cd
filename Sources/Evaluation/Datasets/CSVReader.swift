/// Minimal RFC 4180 CSV reader: comma separated, `"` quoting with `""` escapes, LF or CRLF line ends.
public enum CSVReader {
    /// One parsed record and the 1-based line it starts on.
    public struct Record {
        public var line: Int
        public var fields: [String]
    }

    /// Parses `text` into records, skipping blank lines. Returns `nil` on an unterminated quote.
    public static func parse(_ text: String) -> [Record]? {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var chars = Array(text.unicodeScalars)[...]
        func endRecord() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
        }
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append(c) } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": inQuotes = true
            case ",": fields.append(field); field = ""
            case "\r": if chars.first != "\n" { field.unicodeScalars.append(c) }
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default: field.unicodeScalars.append(c)
            }
        }
        if inQuotes { return nil }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
