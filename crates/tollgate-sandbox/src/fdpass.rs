//! Passing descriptors from the sandbox to tollgate over a unix socket pair (`SCM_RIGHTS`):
//! the registry proxy's listening socket and lifetime pipe ([`crate::launch`]), the seccomp
//! filter's listener ([`crate::notify`]). One message carries exactly `N` descriptors and
//! one byte of data.
//!
//! [`send`] runs between `fork` and `exec` and therefore allocates nothing. [`receive`]
//! runs in tollgate and is safe to call: every descriptor the kernel installed is owned
//! (`OwnedFd`) before anything is checked, so a malformed message (another count, a
//! truncated control buffer, a foreign control message) is refused without leaking one.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;

/// A control message carrying `N` descriptors, aligned like `struct cmsghdr`.
#[repr(C)]
struct Control<const N: usize> {
    header: libc::cmsghdr,
    fds: [libc::c_int; N],
}

/// `CMSG_LEN` of `N` descriptors: the header plus the descriptors, unpadded.
fn control_len<const N: usize>() -> usize {
    // SAFETY: CMSG_LEN only computes a length.
    unsafe { libc::CMSG_LEN(std::mem::size_of::<[libc::c_int; N]>() as u32) as usize }
}

/// The `msghdr` of one data byte (`iov`) and the control buffer `control`.
fn message<T>(iov: &mut libc::iovec, control: &mut T) -> libc::msghdr {
    // SAFETY: a zeroed msghdr is valid (no name, no flags); the pointers set below stay
    // valid for as long as the caller keeps `iov` and `control`, which outlive the call.
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    message.msg_iov = iov;
    message.msg_iovlen = 1;
    message.msg_control = (control as *mut T).cast();
    message.msg_controllen = std::mem::size_of::<T>() as _;
    message
}

/// Sends `fds` over the unix socket `channel` with one byte of data. No allocation (runs
/// between `fork` and `exec`). The descriptors stay open in the sender.
pub(crate) fn send<const N: usize>(channel: libc::c_int, fds: [libc::c_int; N]) -> io::Result<()> {
    // SAFETY: a zeroed cmsghdr is valid; every field the kernel reads is set below.
    let mut control: Control<N> = unsafe { std::mem::zeroed() };
    control.header.cmsg_len = control_len::<N>() as _;
    control.header.cmsg_level = libc::SOL_SOCKET;
    control.header.cmsg_type = libc::SCM_RIGHTS;
    control.fds = fds;
    let mut byte = 0u8;
    let mut iov = libc::iovec {
        iov_base: (&mut byte as *mut u8).cast(),
        iov_len: 1,
    };
    let message = message(&mut iov, &mut control);
    // SAFETY: sendmsg reads the message, whose buffers are live locals.
    if unsafe { libc::sendmsg(channel, &message, libc::MSG_NOSIGNAL) } != 1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Receives exactly `N` descriptors sent by [`send`], blocking until they are sent or
/// every copy of the other end of `channel` is closed (then `UnexpectedEof`). The
/// descriptors are close-on-exec, so no later sandbox inherits them. Anything but one
/// byte with one `SCM_RIGHTS` message of `N` descriptors is `InvalidData`, and every
/// descriptor that came with it is closed.
pub(crate) fn receive<const N: usize>(channel: &UnixStream) -> io::Result<[OwnedFd; N]> {
    // Room for one more descriptor than expected, so that a message with more is seen
    // whole rather than only as truncated.
    let mut buffer = [0u64; 64];
    let room = (std::mem::size_of::<Control<N>>() + 8).min(std::mem::size_of_val(&buffer));
    let mut byte = 0u8;
    let mut iov = libc::iovec {
        iov_base: (&mut byte as *mut u8).cast(),
        iov_len: 1,
    };
    let mut message = message(&mut iov, &mut buffer);
    message.msg_controllen = room as _;
    let received = loop {
        // SAFETY: recvmsg writes into the live locals the message points to, at most
        // `room` bytes of control data, which the buffer holds.
        let received =
            unsafe { libc::recvmsg(channel.as_raw_fd(), &mut message, libc::MSG_CMSG_CLOEXEC) };
        if received >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break received;
        }
    };
    if received < 0 {
        return Err(io::Error::last_os_error());
    }
    let (fds, foreign) = take_descriptors(&message);
    if received == 0 && fds.is_empty() {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    if received != 1 || foreign || message.msg_flags & libc::MSG_CTRUNC != 0 {
        return Err(io::ErrorKind::InvalidData.into());
    }
    fds.try_into()
        .map_err(|_: Vec<OwnedFd>| io::ErrorKind::InvalidData.into())
}

/// Takes ownership of every descriptor in the control messages of `message` (which
/// `recvmsg` filled), and says whether there was any other kind of control message.
fn take_descriptors(message: &libc::msghdr) -> (Vec<OwnedFd>, bool) {
    let mut fds = Vec::new();
    let mut foreign = false;
    let header_len = control_len::<0>();
    // SAFETY: CMSG_FIRSTHDR/CMSG_NXTHDR walk the control buffer within the length the
    // kernel reported and return NULL at its end; each SCM_RIGHTS message holds
    // `(cmsg_len - CMSG_LEN(0)) / 4` descriptors that the kernel has just installed in
    // this process and nobody else owns, read unaligned from CMSG_DATA.
    unsafe {
        let mut header = libc::CMSG_FIRSTHDR(message);
        while !header.is_null() {
            let length = (*header).cmsg_len as usize;
            if (*header).cmsg_level == libc::SOL_SOCKET
                && (*header).cmsg_type == libc::SCM_RIGHTS
                && length >= header_len
            {
                let count = (length - header_len) / std::mem::size_of::<libc::c_int>();
                let data = libc::CMSG_DATA(header).cast::<libc::c_int>();
                for index in 0..count {
                    let fd = data.add(index).read_unaligned();
                    fds.push(OwnedFd::from_raw_fd(fd));
                }
            } else {
                foreign = true;
            }
            header = libc::CMSG_NXTHDR(message, header);
        }
    }
    (fds, foreign)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn pair() -> (UnixStream, UnixStream) {
        UnixStream::pair().expect("socketpair")
    }

    /// Whether every copy of the socket whose peer is `peer` has been closed: the peer then
    /// reads end-of-file. Deterministic, unlike counting descriptors while other tests
    /// open theirs; a copy left open makes the read time out instead.
    fn all_copies_closed(mut peer: UnixStream) -> bool {
        peer.set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .expect("timeout");
        let mut buffer = [0u8; 1];
        matches!(peer.read(&mut buffer), Ok(0))
    }

    #[test]
    fn one_descriptor_arrives_and_works() {
        let (sender, receiver) = pair();
        let (mut ours, theirs) = pair();
        send(sender.as_raw_fd(), [theirs.as_raw_fd()]).expect("send");
        drop(theirs);
        let [fd] = receive::<1>(&receiver).expect("receive");
        let mut received = UnixStream::from(fd);
        received.write_all(b"hi").expect("write");
        let mut buffer = [0u8; 2];
        ours.read_exact(&mut buffer).expect("read");
        assert_eq!(&buffer, b"hi", "the received descriptor is the socket sent");
        // SAFETY: fcntl on a live descriptor.
        let flags = unsafe { libc::fcntl(received.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC, "close-on-exec");
    }

    #[test]
    fn two_descriptors_arrive_in_order() {
        let (sender, receiver) = pair();
        let (mut first_peer, first) = pair();
        let (mut second_peer, second) = pair();
        send(sender.as_raw_fd(), [first.as_raw_fd(), second.as_raw_fd()]).expect("send");
        drop((first, second));
        let [one, two] = receive::<2>(&receiver).expect("receive");
        UnixStream::from(one).write_all(b"1").expect("write");
        UnixStream::from(two).write_all(b"2").expect("write");
        let mut buffer = [0u8; 1];
        first_peer.read_exact(&mut buffer).expect("read");
        assert_eq!(&buffer, b"1");
        second_peer.read_exact(&mut buffer).expect("read");
        assert_eq!(&buffer, b"2");
    }

    /// Sends `S` copies of one socket where `R` are expected: refused as `InvalidData`,
    /// and every copy that arrived is closed again.
    fn assert_refused_without_leak<const S: usize, const R: usize>() {
        let (sender, receiver) = pair();
        let (peer, sent) = pair();
        send(sender.as_raw_fd(), [sent.as_raw_fd(); S]).expect("send");
        drop(sent);
        let error = receive::<R>(&receiver).expect_err("refused");
        assert_eq!(
            error.kind(),
            io::ErrorKind::InvalidData,
            "{S} sent, {R} expected"
        );
        assert!(
            all_copies_closed(peer),
            "{S} sent, {R} expected: a copy leaked"
        );
    }

    #[test]
    fn another_count_is_refused_and_nothing_leaks() {
        assert_refused_without_leak::<2, 1>();
        assert_refused_without_leak::<1, 2>();
    }

    /// More descriptors than the receive buffer holds: the kernel installs those that fit
    /// and reports the rest as truncated (`MSG_CTRUNC`).
    #[test]
    fn truncated_control_data_is_refused_and_nothing_leaks() {
        assert_refused_without_leak::<20, 2>();
    }

    #[test]
    fn data_without_descriptors_or_a_closed_channel_is_refused() {
        let (mut sender, receiver) = pair();
        sender.write_all(b"x").expect("write");
        let error = receive::<1>(&receiver).expect_err("no descriptor");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        drop(sender);
        let error = receive::<1>(&receiver).expect_err("closed");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}
