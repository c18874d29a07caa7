fn main() {
    println!("audiobook: not yet");
}
