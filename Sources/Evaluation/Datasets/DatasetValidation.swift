import Foundation

extension DatasetCategory {
    /// Checks that every anomalous sample's mask exists (when the sample has one) and has its image's size.
    ///
    /// - Parameter imageSize: reads an image's size (inject the Imaging decoder's header reader); its errors
    ///   are reported as ``DatasetError/unreadable(_:reason:)`` naming the file.
    /// - Throws: the first problem found, in test-set order: ``DatasetError/missingMask(image:searched:)``,
    ///   ``DatasetError/maskSizeMismatch(image:mask:imageWidth:imageHeight:maskWidth:maskHeight:)``,
    ///   ``DatasetError/unreadable(_:reason:)``.
    public func validateMasks(imageSize: (URL) throws -> (width: Int, height: Int)) throws {
        func size(_ url: URL) throws -> (width: Int, height: Int) {
            do { return try imageSize(url) } catch {
                throw DatasetError.unreadable(url, reason: "\(error)")
            }
        }
        for sample in test {
            guard let mask = sample.maskPath else { continue }
            guard DatasetFiles.isFile(mask) else { throw DatasetError.missingMask(image: sample.imagePath, searched: mask) }
            let image = try size(sample.imagePath)
            let maskSize = try size(mask)
            if image.width != maskSize.width || image.height != maskSize.height {
                throw DatasetError.maskSizeMismatch(image: sample.imagePath, mask: mask, imageWidth: image.width,
                                                    imageHeight: image.height, maskWidth: maskSize.width,
                                                    maskHeight: maskSize.height)
            }
        }
    }
}
