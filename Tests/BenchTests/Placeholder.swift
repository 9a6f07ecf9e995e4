import Testing
@Test func benchPlaceholder() {}
