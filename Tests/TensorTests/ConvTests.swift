import XCTest
@testable import Tensor

/// Direct-loop reference convolutions on row-major arrays.
private enum NaiveConv {
    static func conv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: (Int, Int),
                       dilation: (Int, Int), groups: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        let xs = x.scalars, ws = w.scalars, bs = b?.scalars
        let og = o / groups
        var out = [Float](repeating: 0, count: n * o * oh * ow)
        for b0 in 0..<n { for oc in 0..<o { for i in 0..<oh { for j in 0..<ow {
            let g = oc / og
            var s: Double = Double(bs?[oc] ?? 0)
            for ci in 0..<cg { for ki in 0..<kh { for kj in 0..<kw {
                let y = i * stride.0 - padding.0 + ki * dilation.0, xx = j * stride.1 - padding.1 + kj * dilation.1
                guard y >= 0, y < h, xx >= 0, xx < wd else { continue }
                let cin = g * cg + ci
                s += Double(xs[((b0 * c + cin) * h + y) * wd + xx]) * Double(ws[((oc * cg + ci) * kh + ki) * kw + kj])
            } } }
            out[((b0 * o + oc) * oh + i) * ow + j] = Float(s)
        } } } }
        return Tensor(shape: [n, o, oh, ow], data: out)
    }

    /// Scatter form: every input pixel spreads `x * w` over its output window.
    static func convTranspose2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: (Int, Int),
                                outputPadding: (Int, Int), dilation: (Int, Int), groups: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (og, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let o = og * groups, cg = c / groups
        let oh = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
        let ow = (wd - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
        let xs = x.scalars, ws = w.scalars, bs = b?.scalars
        var out = [Double](repeating: 0, count: n * o * oh * ow)
        for b0 in 0..<n { for ci in 0..<c { for i in 0..<h { for j in 0..<wd {
            let g = ci / cg, v = Double(xs[((b0 * c + ci) * h + i) * wd + j])
            for oc in 0..<og { for ki in 0..<kh { for kj in 0..<kw {
                let y = i * stride.0 - padding.0 + ki * dilation.0, xx = j * stride.1 - padding.1 + kj * dilation.1
                guard y >= 0, y < oh, xx >= 0, xx < ow else { continue }
                out[((b0 * o + g * og + oc) * oh + y) * ow + xx] += v * Double(ws[((ci * og + oc) * kh + ki) * kw + kj])
            } } }
        } } } }
        if let bs {
            for k in 0..<out.count { out[k] += Double(bs[(k / (oh * ow)) % o]) }
        }
        return Tensor(shape: [n, o, oh, ow], data: out.map(Float.init))
    }
}

final class ConvTests: XCTestCase {
    struct Case { var x: [Int]; var w: [Int]; var bias: Bool; var s = (1, 1); var p = (0, 0); var d = (1, 1); var g = 1 }

    let convCases: [Case] = [
        Case(x: [2, 3, 7, 6], w: [4, 3, 3, 3], bias: true),
        Case(x: [2, 4, 9, 8], w: [6, 4, 3, 3], bias: true, s: (2, 2), p: (1, 1)),
        Case(x: [1, 3, 10, 9], w: [4, 3, 3, 2], bias: false, s: (1, 2), p: (2, 1), d: (2, 2)),
        Case(x: [2, 4, 6, 7], w: [6, 2, 3, 3], bias: true, s: (2, 1), p: (1, 1), g: 2),
        Case(x: [3, 6, 5, 5], w: [3, 2, 1, 1], bias: false, g: 3),              // 1x1 grouped, chunked
        Case(x: [2, 3, 16, 17], w: [4, 3, 1, 1], bias: true),                   // 1x1 direct path
        Case(x: [2, 4, 16, 16], w: [6, 2, 1, 1], bias: false, g: 2),            // grouped 1x1 direct path
        Case(x: [2, 3, 8, 12], w: [5, 3, 4, 4], bias: true, s: (4, 4)),         // patchify
        Case(x: [1, 2, 5, 5], w: [2, 2, 5, 5], bias: false, p: (2, 2)),         // kernel as large as image
    ]

    func testConv2dForwardMatchesNaive() {
        for (k, cs) in convCases.enumerated() {
            let x = randomTensor(cs.x, seed: UInt64(10 + k)), w = randomTensor(cs.w, seed: UInt64(20 + k))
            let b = cs.bias ? randomTensor([cs.w[0]], seed: UInt64(30 + k)) : nil
            let y = x.conv2d(weight: w, bias: b, stride: cs.s, padding: cs.p, dilation: cs.d, groups: cs.g)
            let ref = NaiveConv.conv2d(x, w, b, stride: cs.s, padding: cs.p, dilation: cs.d, groups: cs.g)
            assertClose(y, ref, rtol: 1e-5, atol: 1e-5, "case \(k)")
        }
    }

    func testConv2dGradients() {
        for (k, cs) in convCases.enumerated() where cs.x[2] * cs.x[3] < 200 {
            let x = randomTensor(cs.x, seed: UInt64(40 + k)), w = randomTensor(cs.w, seed: UInt64(50 + k))
            var inputs = [x, w]
            if cs.bias { inputs.append(randomTensor([cs.w[0]], seed: UInt64(60 + k))) }
            gradCheck(inputs) { t in
                t[0].conv2d(weight: t[1], bias: t.count > 2 ? t[2] : nil, stride: cs.s, padding: cs.p,
                            dilation: cs.d, groups: cs.g)
            }
        }
        // The direct (no im2col) 1x1 path needs a map of at least 256 pixels; grouped to cover group offsets.
        let x = randomTensor([1, 4, 16, 16], seed: 70), w = randomTensor([6, 2, 1, 1], seed: 71)
        gradCheck([x, w, randomTensor([6], seed: 72)]) { t in t[0].conv2d(weight: t[1], bias: t[2], groups: 2) }
        XCTAssertTrue(ConvProblem(geo: ConvGeometry(channels: 4, height: 16, width: 16, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0,
                                                    pw: 0, dh: 1, dw: 1, outHeight: 16, outWidth: 16),
                                  batch: 1, columnChannels: 6, groups: 2).direct)
    }

    /// Batches whose images are split over several GEMM chunks (and single-image chunks) agree with
    /// running each image alone, forward and backward.
    func testChunkedBatchMatchesPerImage() {
        let x = randomTensor([3, 2, 40, 40], seed: 80), w = randomTensor([4, 2, 3, 3], seed: 81)
        let geo = ConvGeometry(channels: 2, height: 40, width: 40, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0,
                               dh: 1, dw: 1, outHeight: 38, outWidth: 38)
        XCTAssertEqual(ConvProblem(geo: geo, batch: 3, columnChannels: 4, groups: 1).chunk, 2, "test needs 2 chunks")
        let gOut = randomTensor([3, 4, 38, 38], seed: 82)
        x.requiresGrad = true; w.requiresGrad = true
        x.conv2d(weight: w, padding: (0, 0)).backward(gOut)
        var gw = [Float](repeating: 0, count: w.count)
        for i in 0..<3 {
            let xi = x.selecting(axis: 0, index: i).unsqueezed(0).contiguous().detached().requiringGrad()
            let wi = w.detached().requiringGrad()
            let yi = xi.conv2d(weight: wi)
            assertClose(yi, NaiveConv.conv2d(xi, wi, nil, stride: (1, 1), padding: (0, 0), dilation: (1, 1), groups: 1),
                        atol: 1e-5)
            yi.backward(gOut.selecting(axis: 0, index: i).unsqueezed(0).contiguous())
            assertClose(x.grad!.selecting(axis: 0, index: i).scalars, xi.grad!.scalars, atol: 1e-5, "image \(i)")
            for (k, v) in wi.grad!.scalars.enumerated() { gw[k] += v }
        }
        assertClose(w.grad!.scalars, gw, rtol: 1e-4, atol: 1e-4)
    }

    struct TCase { var x: [Int]; var w: [Int]; var bias: Bool; var s = (1, 1); var p = (0, 0); var op = (0, 0)
        var d = (1, 1); var g = 1 }

    let transposeCases: [TCase] = [
        TCase(x: [2, 4, 5, 4], w: [4, 3, 3, 3], bias: true, s: (2, 2), p: (1, 1), op: (1, 1)),
        TCase(x: [1, 4, 4, 5], w: [4, 2, 3, 2], bias: true, s: (2, 1), p: (0, 1), g: 2),
        TCase(x: [2, 3, 4, 4], w: [3, 2, 2, 3], bias: false, s: (1, 2), op: (0, 1), d: (2, 1)),
        TCase(x: [2, 3, 3, 3], w: [3, 4, 4, 4], bias: true, s: (4, 4)),        // decoder "unpatchify"
        TCase(x: [2, 5, 16, 16], w: [5, 3, 1, 1], bias: false),                // pointwise direct path
    ]

    func testConvTranspose2dForwardMatchesNaive() {
        for (k, cs) in transposeCases.enumerated() {
            let x = randomTensor(cs.x, seed: UInt64(90 + k)), w = randomTensor(cs.w, seed: UInt64(100 + k))
            let b = cs.bias ? randomTensor([cs.w[1] * cs.g], seed: UInt64(110 + k)) : nil
            let y = x.convTranspose2d(weight: w, bias: b, stride: cs.s, padding: cs.p, outputPadding: cs.op,
                                      groups: cs.g, dilation: cs.d)
            let ref = NaiveConv.convTranspose2d(x, w, b, stride: cs.s, padding: cs.p, outputPadding: cs.op,
                                                dilation: cs.d, groups: cs.g)
            assertClose(y, ref, rtol: 1e-5, atol: 1e-5, "case \(k)")
        }
    }

    func testConvTranspose2dGradients() {
        for (k, cs) in transposeCases.enumerated() where cs.x[2] * cs.x[3] < 100 {
            let x = randomTensor(cs.x, seed: UInt64(120 + k)), w = randomTensor(cs.w, seed: UInt64(130 + k))
            var inputs = [x, w]
            if cs.bias { inputs.append(randomTensor([cs.w[1] * cs.g], seed: UInt64(140 + k))) }
            gradCheck(inputs) { t in
                t[0].convTranspose2d(weight: t[1], bias: t.count > 2 ? t[2] : nil, stride: cs.s, padding: cs.p,
                                     outputPadding: cs.op, groups: cs.g, dilation: cs.d)
            }
        }
        // Pointwise transposed conv on a 16x16 map takes the direct path (grouped).
        gradCheck([randomTensor([1, 4, 16, 16], seed: 145), randomTensor([4, 3, 1, 1], seed: 146)]) { t in
            t[0].convTranspose2d(weight: t[1], groups: 2)
        }
    }

    /// Only the operands that require gradients get them; the others are left alone.
    func testPartialGradients() {
        let x = randomTensor([1, 2, 5, 5], seed: 150), w = randomTensor([3, 2, 3, 3], seed: 151).requiringGrad()
        let b = randomTensor([3], seed: 152)
        x.conv2d(weight: w, bias: b, padding: (1, 1)).sum().backward()
        XCTAssertNil(x.grad)
        XCTAssertNil(b.grad)
        XCTAssertEqual(w.grad?.shape, [3, 2, 3, 3])
        // d(sum)/dw[o, c, ki, kj] = sum of the input pixels that tap reads (padding 1 on a 5x5 map).
        let xs = x.scalars
        var expected: Float = 0
        for y in 0..<4 { for xx in 0..<4 { expected += xs[y * 5 + xx] } }   // tap (0,0) of channel 0 reads rows/cols 0..<4
        XCTAssertEqual(w.grad!.scalars[0], expected, accuracy: 1e-4)
    }
}
