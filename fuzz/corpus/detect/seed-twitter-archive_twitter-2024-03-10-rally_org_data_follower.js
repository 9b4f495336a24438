window.YTD.follower.part0 = [
  {
    "follower" : {
      "accountId" : "111",
      "userLink" : "https://twitter.com/intent/user?user_id=111"
    }
  },
  {
    "follower" : {
      "accountId" : "1500000000000000002",
      "userLink" : "https://twitter.com/intent/user?user_id=1500000000000000002"
    }
  },
  {
    "follower" : {
      "accountId" : "333",
      "userLink" : "https://twitter.com/intent/user?user_id=333"
    }
  }
]