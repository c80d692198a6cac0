"""The module's output lines into outcomes (span_autolink._outcome.Reader).

A batch of pointer lines all of one kind and direction is read by one split
of the whole text; every other output line by line. Both must give what the
lines say (wasm/ABI.md, "Output"): the expectations here are written out
from the lines themselves, never read back through the package."""

from span_autolink._outcome import Issue, Outcome, Pointer, Reader

H1 = "0123456789abcdef0123456789abcdef"
H2 = "fedcba9876543210fedcba9876543210"
H3 = "00112233445566778899aabbccddeeff"
H4 = "01234567890123456789012345678901"  # all digits, as a change time is
T1, T2 = 1717977600000000000, 1717977601000000001


def read(text, reader=None):
    reader = reader or Reader()
    # Twice: the first read learns the kinds' heads, the second takes the
    # batch path wherever the output allows it.
    first = reader.outcome(text.encode())
    assert reader.outcome(text.encode()) == first
    return first


def test_a_batch_with_change_times():
    text = "".join(f"p aws.dynamodb.item u {h} {t}\n" for h, t in ((H1, T1), (H2, T2), (H3, T1)))
    assert read(text) == Outcome(
        (
            Pointer("aws.dynamodb.item", "u", H1, T1),
            Pointer("aws.dynamodb.item", "u", H2, T2),
            Pointer("aws.dynamodb.item", "u", H3, T1),
        ),
        (),
    )


def test_a_batch_without_change_times():
    text = f"p aws.s3.object u {H1}\np aws.s3.object u {H2}\n"
    assert read(text) == Outcome((Pointer("aws.s3.object", "u", H1), Pointer("aws.s3.object", "u", H2)), ())


def test_change_times_of_different_widths():
    text = f"p aws.dynamodb.item u {H1} 7\np aws.dynamodb.item u {H2} {T2}\n"
    assert read(text).pointers == (Pointer("aws.dynamodb.item", "u", H1, 7), Pointer("aws.dynamodb.item", "u", H2, T2))


def test_some_with_a_change_time_and_some_without():
    text = f"p aws.dynamodb.item u {H1} {T1}\np aws.dynamodb.item u {H2}\np aws.dynamodb.item u {H3} {T2}\n"
    assert read(text).pointers == (
        Pointer("aws.dynamodb.item", "u", H1, T1),
        Pointer("aws.dynamodb.item", "u", H2, None),
        Pointer("aws.dynamodb.item", "u", H3, T2),
    )


def test_mixed_kinds_and_directions():
    text = f"p aws.s3.object u {H1}\np aws.dynamodb.item u {H2} {T1}\np aws.s3.object d {H3}\n"
    assert read(text).pointers == (
        Pointer("aws.s3.object", "u", H1),
        Pointer("aws.dynamodb.item", "u", H2, T1),
        Pointer("aws.s3.object", "d", H3),
    )


def test_pointers_then_issues():
    text = f"p aws.s3.object u {H1}\np aws.s3.object u {H2}\ni etag_invalid the ETag is not 32 hex digits\n"
    assert read(text) == Outcome(
        (Pointer("aws.s3.object", "u", H1), Pointer("aws.s3.object", "u", H2)),
        (Issue("etag_invalid", "the ETag is not 32 hex digits"),),
    )


def test_a_change_time_that_is_not_a_number_is_none():
    text = f"p aws.dynamodb.item u {H1} {T1}\np aws.dynamodb.item u {H2} soon\n"
    assert read(text).pointers == (Pointer("aws.dynamodb.item", "u", H1, T1), Pointer("aws.dynamodb.item", "u", H2, None))


def test_lines_of_the_wrong_shape_are_left_out():
    # A line with a field too many is skipped, a line with too few is
    # skipped, and neither shifts the fields of the lines after it, even
    # when together they have as many fields as well-formed lines would.
    text = (
        f"p aws.dynamodb.item u {H1} {T1}\n"
        f"p aws.dynamodb.item u {H2} {T2} 5\n"
        f"p aws.dynamodb.item u {H4}\n"
        f"p aws.dynamodb.item u {H1} {T2}\n"
    )
    assert read(text).pointers == (
        Pointer("aws.dynamodb.item", "u", H1, T1),
        Pointer("aws.dynamodb.item", "u", H4, None),
        Pointer("aws.dynamodb.item", "u", H1, T2),
    )
    assert read(f"p aws.dynamodb.item u {H1} {T1}\np aws.dynamodb.item u\n").pointers == (
        Pointer("aws.dynamodb.item", "u", H1, T1),
    )


def test_a_batch_after_a_single_pointer_of_its_kind():
    reader = Reader()
    assert reader.outcome(f"p aws.s3.object d {H1}\n".encode()).pointers == (Pointer("aws.s3.object", "d", H1),)
    text = f"p aws.s3.object d {H2}\np aws.s3.object d {H3}\n"
    assert read(text, reader).pointers == (Pointer("aws.s3.object", "d", H2), Pointer("aws.s3.object", "d", H3))


def test_kinds_share_one_string():
    outcome = read(f"p aws.s3.object u {H1}\np aws.s3.object u {H2}\n")
    assert outcome.pointers[0].kind is outcome.pointers[1].kind
