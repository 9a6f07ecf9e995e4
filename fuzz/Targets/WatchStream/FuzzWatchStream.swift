import KubeAPI

/// A watch response body: split into frames (one JSON value per line) and each frame decoded as a pod event.
///
/// The first input byte picks the chunk size the stream arrives in; the frames must not depend on it (the same
/// bytes in one piece give the same frames), and no frame may be lost or invented.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWatchStream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunk = Int(data[0] % 16) + 1
    let body = UnsafeBufferPointer(start: data + 1, count: size - 1)
    for newlineDelimited in [true, false] {
        var whole = JSONStreamSplitter(newlineDelimited: newlineDelimited)
        var expected = whole.append(body)
        if let tail = whole.finish() { expected.append(tail) }

        var pieces = JSONStreamSplitter(newlineDelimited: newlineDelimited)
        var frames: [[UInt8]] = []
        var offset = 0
        while offset < body.count {
            let end = min(offset + chunk, body.count)
            frames += pieces.append(body[offset..<end])
            offset = end
        }
        if let tail = pieces.finish() { frames.append(tail) }
        if frames != expected { fatalError("frames depend on how the stream was chunked") }

        if newlineDelimited {
            for frame in frames {
                _ = ResourceDecoding.decodeWatchFrame(.pod, frame)
                _ = ResourceDecoding.decodeWatchFrame(.node, frame)
            }
        }
    }
    // A small size limit: oversized values are dropped, and the splitter keeps working.
    var limited = JSONStreamSplitter(maximumValueSize: 32, newlineDelimited: true)
    _ = limited.append(body)
    _ = limited.finish()
    return 0
}
