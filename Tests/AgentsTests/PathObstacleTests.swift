import Foundation
@testable import Training
import XCTest

/// The one walker train's run directories, `--out` and a sweep's output root are checked with.
final class PathObstacleTests: XCTestCase {
    func testFindsTheFirstLevelThatIsNotADirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("obstacle-\(UUID().uuidString)").path
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/dir", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: root) }
        fm.createFile(atPath: root + "/file", contents: Data("x".utf8))
        try fm.createSymbolicLink(atPath: root + "/to_dir", withDestinationPath: root + "/dir")
        try fm.createSymbolicLink(atPath: root + "/to_file", withDestinationPath: root + "/file")
        try fm.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: root + "/nowhere")
        try fm.createSymbolicLink(atPath: root + "/loop", withDestinationPath: root + "/loop")

        // Directories, links to one, and levels that do not exist yet stand in no one's way.
        XCTAssertNil(PathObstacle.first(on: root + "/dir/a/b"))
        XCTAssertNil(PathObstacle.first(on: root + "/to_dir/a"))
        XCTAssertNil(PathObstacle.first(on: root + "/missing/file/x"))
        // The path itself, or a level above it; relative paths keep their spelling.
        XCTAssertEqual(PathObstacle.first(on: root + "/file"), PathObstacle(path: root + "/file", kind: .file, isWholePath: true))
        XCTAssertEqual(PathObstacle.first(on: root + "//file/a/b"), PathObstacle(path: root + "/file", kind: .file, isWholePath: false))
        XCTAssertEqual(PathObstacle.first(on: root + "/to_file/a"), PathObstacle(path: root + "/to_file", kind: .linkToFile(target: root + "/file"), isWholePath: false))
        XCTAssertEqual(PathObstacle.first(on: root + "/dangling"), PathObstacle(path: root + "/dangling", kind: .brokenLink(target: root + "/nowhere"), isWholePath: true))
        XCTAssertEqual(PathObstacle.first(on: root + "/loop/x")?.kind, .linkLoop(target: root + "/loop"))
        // A loop through two links is a loop, not a link to nothing (its target exists).
        try fm.createSymbolicLink(atPath: root + "/ping", withDestinationPath: root + "/pong")
        try fm.createSymbolicLink(atPath: root + "/pong", withDestinationPath: root + "/ping")
        XCTAssertEqual(PathObstacle.first(on: root + "/ping")?.what, "is a loop of links (through \(root)/pong)")
        let cwd = fm.currentDirectoryPath
        fm.changeCurrentDirectoryPath(root)
        defer { fm.changeCurrentDirectoryPath(cwd) }
        XCTAssertEqual(PathObstacle.first(on: "dir/../file/x"), PathObstacle(path: "dir/../file", kind: .file, isWholePath: false))

        // What the messages built on it say.
        XCTAssertThrowsError(try TrainingRun.checkRunPath(root + "/to_file/seed0")) {
            XCTAssertTrue("\($0)".contains("\(root)/to_file is a link to a file (\(root)/file), and run directories go under it: remove it or point it at a directory"), "\($0)")
        }
        XCTAssertThrowsError(try TrainingRun.checkRunPath(root + "/dangling")) {
            XCTAssertTrue("\($0)".contains("\(root)/dangling is a link to nothing (\(root)/nowhere does not exist), where the run's directory goes"), "\($0)")
        }
        XCTAssertNoThrow(try TrainingRun.checkRunPath(root + "/to_dir/seed0"))
        XCTAssertEqual(fileInPlaceOfDirectory(root + "/to_file/x/y"), root + "/to_file")
        XCTAssertNil(fileInPlaceOfDirectory(root + "/dangling/x"))
    }

    /// The parent of a path as `train`'s directory checks walk it, without Foundation's
    /// `deletingLastPathComponent`, which traps on a one-character name.
    func testTheParentOfAPath() {
        for (path, parent) in [("a", ""), ("ab", ""), ("a/b", "a"), ("a/b/", "a"), ("/a", "/"), ("/", "/"), ("a//b", "a"),
                               ("./a", "."), ("/x/y/z", "/x/y"), ("", "")] {
            XCTAssertEqual(parentPath(of: path), parent, path)
        }
    }
}
